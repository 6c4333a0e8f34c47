<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ja">
<context>
    <name>AttachDialog</name>
    <message>
        <source>Attach to server</source>
        <translation>サーバーに接続</translation>
    </message>
    <message>
        <source>Channel URL:</source>
        <translation>チャネル URL：</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>参照…</translation>
    </message>
    <message>
        <source>Token file:</source>
        <translation>トークンファイル：</translation>
    </message>
    <message>
        <source>Attach</source>
        <translation>接続</translation>
    </message>
    <message>
        <source>Token file</source>
        <translation>トークンファイル</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a ws:// or wss:// URL with a host.</source>
        <translation>&quot;%1&quot; はホストを含む ws:// または wss:// の URL ではありません。</translation>
    </message>
    <message>
        <source>The token file %1 does not exist.</source>
        <translation>トークンファイル %1 がありません。</translation>
    </message>
    <message>
        <source>Watch and drive a headless wsscope: the address of its inspection channel (&lt;tt&gt;--inspect-listen&lt;/tt&gt;), e.g. &lt;tt&gt;ws://127.0.0.1:9901&lt;/tt&gt; through &lt;tt&gt;ssh -L 9901:127.0.0.1:9901 server&lt;/tt&gt;. A &lt;tt&gt;wss://&lt;/tt&gt; certificate from the local CA (&lt;tt&gt;wsscope cert&lt;/tt&gt;) is trusted automatically.</source>
        <translation>ヘッドレスの wsscope を観察・操作します：その検査チャネル（&lt;tt&gt;--inspect-listen&lt;/tt&gt;）のアドレス、例えば &lt;tt&gt;ssh -L 9901:127.0.0.1:9901 server&lt;/tt&gt; 経由の &lt;tt&gt;ws://127.0.0.1:9901&lt;/tt&gt;。ローカル CA（&lt;tt&gt;wsscope cert&lt;/tt&gt;）が発行した &lt;tt&gt;wss://&lt;/tt&gt; の証明書は自動的に信頼されます。</translation>
    </message>
    <message>
        <source>the file given to --inspect-token-file, copied from the server</source>
        <translation>--inspect-token-file に渡したファイル（サーバーからコピー）</translation>
    </message>
</context>
<context>
    <name>ConfigEditor</name>
    <message>
        <source>error</source>
        <translation>エラー</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>診断</translation>
    </message>
    <message>
        <source>note</source>
        <translation>注記</translation>
    </message>
    <message>
        <source>%1:%2: %3: %4</source>
        <translation>%1:%2：%3：%4</translation>
    </message>
    <message>
        <source>%1: %2: %3</source>
        <translation>%1：%2：%3</translation>
    </message>
</context>
<context>
    <name>ConfigView</name>
    <message>
        <source>Apply</source>
        <translation>適用</translation>
    </message>
    <message>
        <source>Check the configuration and reload the proxy with it; on any error the running one stays</source>
        <translation>設定を検査してプロキシを再読み込みします。エラーがあれば実行中の設定のままです</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>元に戻す</translation>
    </message>
    <message>
        <source>Quick start…</source>
        <translation>クイックスタート…</translation>
    </message>
    <message>
        <source>fix: %1</source>
        <translation>修正：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n error(s): Apply will keep the running configuration.</source>
        <translation>
            <numerusform>%n 件のエラー：適用しても実行中の設定のままです。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Valid, with %n warning(s) or doctor finding(s).</source>
        <translation>
            <numerusform>有効です。警告または診断結果が %n 件あります。</numerusform>
        </translation>
    </message>
    <message>
        <source>Valid.</source>
        <translation>有効です。</translation>
    </message>
    <message>
        <source>Applied: new connections use it; open tunnels keep their configuration.</source>
        <translation>適用しました：新しい接続から使われます。確立済みのトンネルは元の設定のままです。</translation>
    </message>
    <message>
        <source>Configuration applied; listening on %1</source>
        <translation>設定を適用しました。待ち受け：%1</translation>
    </message>
    <message>
        <source>Not applied: %1</source>
        <translation>適用されませんでした：%1</translation>
    </message>
    <message>
        <source>Configuration not applied: %1</source>
        <translation>設定は適用されませんでした：%1</translation>
    </message>
    <message>
        <source>Not applied: the configuration has errors; the running one stays.</source>
        <translation>適用されませんでした：設定にエラーがあります。実行中の設定のままです。</translation>
    </message>
    <message>
        <source>Configuration not applied: it has errors</source>
        <translation>設定は適用されませんでした：エラーがあります</translation>
    </message>
    <message>
        <source>Applying…</source>
        <translation>適用中…</translation>
    </message>
    <message>
        <source>This inspection channel is read-only (--inspect-readonly): it refuses reloads</source>
        <translation>この検査チャネルは読み取り専用です（--inspect-readonly）：リロードは拒否されます</translation>
    </message>
</context>
<context>
    <name>ConnectionsModel</name>
    <message>
        <source>%1 ms</source>
        <translation>%1 ミリ秒</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 分 %2 秒</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 時間 %2 分</translation>
    </message>
    <message>
        <source>client closed</source>
        <translation>クライアントが切断</translation>
    </message>
    <message>
        <source>upstream closed</source>
        <translation>上流が切断</translation>
    </message>
    <message>
        <source>client error</source>
        <translation>クライアントエラー</translation>
    </message>
    <message>
        <source>upstream error</source>
        <translation>上流エラー</translation>
    </message>
    <message>
        <source>read timeout</source>
        <translation>読み取りタイムアウト</translation>
    </message>
    <message>
        <source>send timeout</source>
        <translation>送信タイムアウト</translation>
    </message>
    <message>
        <source>header timeout</source>
        <translation>ヘッダーのタイムアウト</translation>
    </message>
    <message>
        <source>keep-alive timeout</source>
        <translation>keep-alive タイムアウト</translation>
    </message>
    <message>
        <source>bad request</source>
        <translation>不正なリクエスト</translation>
    </message>
    <message>
        <source>upstream failure</source>
        <translation>上流の失敗</translation>
    </message>
    <message>
        <source>shutdown drain</source>
        <translation>シャットダウン時のドレイン</translation>
    </message>
    <message>
        <source>ping timeout</source>
        <translation>ping タイムアウト</translation>
    </message>
    <message>
        <source>protocol error</source>
        <translation>プロトコルエラー</translation>
    </message>
    <message>
        <source>closed from the inspector</source>
        <translation>インスペクターから切断</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>完了</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>接続中</translation>
    </message>
    <message>
        <source>routed</source>
        <translation>ルーティング済み</translation>
    </message>
    <message>
        <source>open</source>
        <translation>オープン</translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation>HTTP</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>クローズ</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失敗</translation>
    </message>
    <message>
        <source>Frames from the client to the upstream</source>
        <translation>クライアントから上流へのフレーム</translation>
    </message>
    <message>
        <source>Frames from the upstream to the client</source>
        <translation>上流からクライアントへのフレーム</translation>
    </message>
    <message>
        <source>Payload bytes from the client (wire bytes once closed)</source>
        <translation>クライアントからのペイロードのバイト数（切断後は回線上のバイト数）</translation>
    </message>
    <message>
        <source>Payload bytes from the upstream (wire bytes once closed)</source>
        <translation>上流からのペイロードのバイト数（切断後は回線上のバイト数）</translation>
    </message>
    <message>
        <source>Last ping round trip</source>
        <translation>直近の ping 往復時間</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>クライアント</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>パス</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>上流</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>経過時間</translation>
    </message>
    <message>
        <source>Frames ↑</source>
        <translation>フレーム ↑</translation>
    </message>
    <message>
        <source>Frames ↓</source>
        <translation>フレーム ↓</translation>
    </message>
    <message>
        <source>Bytes ↑</source>
        <translation>バイト ↑</translation>
    </message>
    <message>
        <source>Bytes ↓</source>
        <translation>バイト ↓</translation>
    </message>
    <message>
        <source>Ping RTT</source>
        <translation>Ping RTT</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>クローズ</translation>
    </message>
    <message>
        <source>TLS handshake failed</source>
        <translation>TLS ハンドシェイク失敗</translation>
    </message>
    <message>
        <source>Instance</source>
        <translation>インスタンス</translation>
    </message>
</context>
<context>
    <name>ConnectionsView</name>
    <message>
        <source>Filter connections (client, path, upstream, state, close cause)</source>
        <translation>接続を絞り込む（クライアント、パス、上流、状態、切断理由）</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>一時停止</translation>
    </message>
    <message>
        <source>Stop capturing: while paused, new connections and frames are not recorded (only counted); the rows already shown stay</source>
        <translation>キャプチャを停止：一時停止中は新しい接続とフレームを記録しません（数だけ数えます）。表示済みの行は残ります</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>クリア</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>再開</translation>
    </message>
    <message>
        <source>%1 shown · %2 closed kept of %3 · %4 removed</source>
        <translation>表示 %1 · クローズ済み %2/%3 を保持 · 削除 %4</translation>
    </message>
    <message>
        <source>History limits (View → History limits…): %1 closed connections, %2 in all; %3 frames per connection, %4 frames and %5 MiB in all. Frames now: %6, about %7 MiB.</source>
        <translation>履歴の上限（表示 → 履歴の上限…）：クローズ済み接続 %1 件、接続全体 %2 件。接続ごとに %3 フレーム、全体で %4 フレームと %5 MiB。現在のフレーム：%6、約 %7 MiB。</translation>
    </message>
</context>
<context>
    <name>DiagnosticsModel</name>
    <message>
        <source>fix: %1</source>
        <translation>修正：%1</translation>
    </message>
    <message>
        <source>error</source>
        <translation>エラー</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>note</source>
        <translation>注記</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>診断</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>種類</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>メッセージ</translation>
    </message>
</context>
<context>
    <name>FramesModel</name>
    <message>
        <source>text</source>
        <translation>テキスト</translation>
    </message>
    <message>
        <source>binary</source>
        <translation>バイナリ</translation>
    </message>
    <message>
        <source>close</source>
        <translation>クローズ</translation>
    </message>
    <message>
        <source>ping</source>
        <translation>ping</translation>
    </message>
    <message>
        <source>pong</source>
        <translation>pong</translation>
    </message>
    <message>
        <source>continuation</source>
        <translation>継続</translation>
    </message>
    <message>
        <source>(RTT %1 ms)</source>
        <translation>（RTT %1 ミリ秒）</translation>
    </message>
    <message>
        <source>(injected)</source>
        <translation>（注入）</translation>
    </message>
    <message>
        <source>(not relayed)</source>
        <translation>（中継なし）</translation>
    </message>
    <message>
        <source>(inflated)</source>
        <translation>（展開済み）</translation>
    </message>
    <message>
        <source>client → upstream</source>
        <translation>クライアント → 上流</translation>
    </message>
    <message>
        <source>upstream → client</source>
        <translation>上流 → クライアント</translation>
    </message>
    <message>
        <source>Preview truncated: %1 of %2 bytes kept</source>
        <translation>プレビューは切り詰め済み：%2 バイト中 %1 バイトを保持</translation>
    </message>
    <message>
        <source>Dir</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>時刻</translation>
    </message>
    <message>
        <source>Opcode</source>
        <translation>オペコード</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>サイズ</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>プレビュー</translation>
    </message>
</context>
<context>
    <name>FramesView</name>
    <message numerus="yes">
        <source>{%n key(s)}</source>
        <translation>
            <numerusform>{%n 個のキー}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>[%n item(s)]</source>
        <translation>
            <numerusform>[%n 個の要素]</numerusform>
        </translation>
    </message>
    <message>
        <source>Search this connection&apos;s frames</source>
        <translation>この接続のフレームを検索</translation>
    </message>
    <message>
        <source>Regex</source>
        <translation>正規表現</translation>
    </message>
    <message>
        <source>Control frames</source>
        <translation>制御フレーム</translation>
    </message>
    <message>
        <source>Show ping, pong and close frames</source>
        <translation>ping・pong・close フレームを表示</translation>
    </message>
    <message>
        <source>Auto-scroll</source>
        <translation>自動スクロール</translation>
    </message>
    <message>
        <source>Select a frame</source>
        <translation>フレームを選択してください</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>キー</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>値</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>テキスト</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Hex</source>
        <translation>16 進</translation>
    </message>
    <message>
        <source>Copy as:</source>
        <translation>コピー形式：</translation>
    </message>
    <message>
        <source>%1 of %2 frames · limit %3 per connection</source>
        <translation>%1 / %2 フレーム · 接続ごとの上限 %3</translation>
    </message>
    <message numerus="yes">
        <source>%Ln older frame(s) dropped (history limits)</source>
        <translation>
            <numerusform>古いフレーム %Ln 件を破棄しました（履歴の上限）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln frame(s) not captured while paused</source>
        <translation>
            <numerusform>一時停止中にフレーム %Ln 件を記録しませんでした</numerusform>
        </translation>
    </message>
    <message>
        <source>Invalid regular expression</source>
        <translation>正規表現が不正です</translation>
    </message>
    <message>
        <source>client → upstream</source>
        <translation>クライアント → 上流</translation>
    </message>
    <message>
        <source>upstream → client</source>
        <translation>上流 → クライアント</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s)</source>
        <translation>
            <numerusform>%n バイト</numerusform>
        </translation>
    </message>
    <message>
        <source>compressed (permessage-deflate), shown inflated</source>
        <translation>圧縮あり（permessage-deflate）、展開して表示</translation>
    </message>
    <message>
        <source>compressed (permessage-deflate)</source>
        <translation>圧縮あり（permessage-deflate）</translation>
    </message>
    <message numerus="yes">
        <source>preview: first %n byte(s)</source>
        <translation>
            <numerusform>プレビュー：先頭 %n バイト</numerusform>
        </translation>
    </message>
    <message>
        <source>injected by the inspector or the proxy</source>
        <translation>インスペクターまたはプロキシが注入</translation>
    </message>
    <message>
        <source>answered the proxy&apos;s ping; not relayed</source>
        <translation>プロキシの ping への応答。中継しません</translation>
    </message>
    <message>
        <source>round trip %1 ms</source>
        <translation>往復 %1 ミリ秒</translation>
    </message>
    <message numerus="yes">
        <source>(binary: %n byte(s); see Hex)</source>
        <translation>
            <numerusform>（バイナリ：%n バイト。16 進を参照）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HandshakeView</name>
    <message>
        <source>Select a connection to see its handshake.</source>
        <translation>接続を選ぶとハンドシェイクが表示されます。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Request&lt;/b&gt;: as the client sent it, and as it went upstream (&lt;span style=&apos;background:%1&apos;&gt;added&lt;/span&gt;, &lt;span style=&apos;background:%2&apos;&gt;removed&lt;/span&gt;, &lt;span style=&apos;background:%3&apos;&gt;changed&lt;/span&gt;)</source>
        <translation>&lt;b&gt;リクエスト&lt;/b&gt;：クライアントが送ったものと上流へ転送したもの（&lt;span style=&apos;background:%1&apos;&gt;追加&lt;/span&gt;、&lt;span style=&apos;background:%2&apos;&gt;削除&lt;/span&gt;、&lt;span style=&apos;background:%3&apos;&gt;変更&lt;/span&gt;）</translation>
    </message>
    <message>
        <source>Header</source>
        <translation>ヘッダー</translation>
    </message>
    <message>
        <source>As received</source>
        <translation>受信時</translation>
    </message>
    <message>
        <source>As forwarded</source>
        <translation>転送時</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>変更</translation>
    </message>
    <message>
        <source>&lt;b&gt;Response&lt;/b&gt;</source>
        <translation>&lt;b&gt;レスポンス&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>値</translation>
    </message>
    <message>
        <source>&lt;b&gt;Handshake checks&lt;/b&gt;</source>
        <translation>&lt;b&gt;ハンドシェイクの検査&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>重大度</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>検出内容</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>コード</translation>
    </message>
    <message>
        <source>info</source>
        <translation>情報</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>error</source>
        <translation>エラー</translation>
    </message>
    <message>
        <source>from %1 on %2</source>
        <translation>%1 から %2 へ</translation>
    </message>
    <message>
        <source>location &lt;tt&gt;%1&lt;/tt&gt; → %2 in group %3 (%4)</source>
        <translation>location &lt;tt&gt;%1&lt;/tt&gt; → グループ %3 の %2（%4）</translation>
    </message>
    <message>
        <source>attempt %1</source>
        <translation>%1 回目の試行</translation>
    </message>
    <message>
        <source>subprotocol %1</source>
        <translation>サブプロトコル %1</translation>
    </message>
    <message>
        <source>extensions %1</source>
        <translation>拡張 %1</translation>
    </message>
    <message>
        <source>tunnel open</source>
        <translation>トンネル確立</translation>
    </message>
    <message>
        <source>tunnel open: %1</source>
        <translation>トンネル確立：%1</translation>
    </message>
    <message>
        <source>closed: %1</source>
        <translation>クローズ：%1</translation>
    </message>
    <message>
        <source>(request line)</source>
        <translation>（リクエスト行）</translation>
    </message>
    <message>
        <source>(not forwarded)</source>
        <translation>（未転送）</translation>
    </message>
    <message>
        <source>changed</source>
        <translation>変更</translation>
    </message>
    <message>
        <source>added</source>
        <translation>追加</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>削除</translation>
    </message>
    <message>
        <source>(status line)</source>
        <translation>（ステータス行）</translation>
    </message>
    <message>
        <source>(answered by the proxy)</source>
        <translation>（プロキシが応答）</translation>
    </message>
    <message>
        <source>violation</source>
        <translation>違反</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>No problems found in the handshake</source>
        <translation>ハンドシェイクに問題は見つかりませんでした</translation>
    </message>
    <message>
        <source>WeChat DevTools simulator</source>
        <translation>WeChat 開発者ツールのシミュレーター</translation>
    </message>
    <message>
        <source>development or trial build</source>
        <translation>開発版または体験版</translation>
    </message>
    <message>
        <source>release build</source>
        <translation>リリース版</translation>
    </message>
    <message>
        <source>&lt;b&gt;WeChat mini-program&lt;/b&gt;: appid &lt;tt&gt;%1&lt;/tt&gt;, version %2 (%3)</source>
        <translation>&lt;b&gt;WeChat ミニプログラム&lt;/b&gt;：appid &lt;tt&gt;%1&lt;/tt&gt;、バージョン %2（%3）</translation>
    </message>
</context>
<context>
    <name>HistoryLimitsDialog</name>
    <message>
        <source>History limits</source>
        <translation>履歴の上限</translation>
    </message>
    <message>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <source>The inspector keeps a bounded history so that its memory stays flat however long it runs. When a limit is reached the oldest entries go first: older frames of a connection (the frames view says how many were dropped), then the oldest closed connections. Open connections are removed only past the limit on all connections.</source>
        <translation>インスペクターは上限のある履歴だけを保持するため、どれだけ長く動かしてもメモリは一定に保たれます。上限に達すると古いものから削除されます：まず接続の古いフレーム（フレーム表示に破棄した数が出ます）、次に最も古いクローズ済みの接続。オープン中の接続は、全接続の上限を超えたときだけ削除されます。</translation>
    </message>
    <message>
        <source>Frames kept per connection:</source>
        <translation>接続ごとに保持するフレーム数：</translation>
    </message>
    <message>
        <source>Frames kept in total:</source>
        <translation>保持するフレームの総数：</translation>
    </message>
    <message>
        <source>Memory for frames, at most:</source>
        <translation>フレーム用メモリの上限：</translation>
    </message>
    <message>
        <source>Closed connections kept:</source>
        <translation>保持するクローズ済み接続数：</translation>
    </message>
    <message>
        <source>Connections kept in total:</source>
        <translation>保持する接続の総数：</translation>
    </message>
</context>
<context>
    <name>InspectProtocol</name>
    <message>
        <source>the instance&apos;s TLS certificate is not trusted (%1); trusted are the system&apos;s CAs and this machine&apos;s local CA (wsscope cert show)</source>
        <translation>インスタンスの TLS 証明書は信頼されていません（%1）。信頼されるのはシステムの CA とこのマシンのローカル CA です（wsscope cert show）</translation>
    </message>
</context>
<context>
    <name>LinkBanner</name>
    <message>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <source>%1: link back after a gap of %2 (from %3); what happened meanwhile comes from the instance&apos;s history</source>
        <translation>%1：%2 の途切れ（%3 から）の後にリンクが復旧しました。その間の出来事はインスタンスの履歴から取得します</translation>
    </message>
    <message>
        <source>%1: link lost (%2); reconnecting</source>
        <translation>%1：リンクが切れました（%2）。再接続しています</translation>
    </message>
    <message>
        <source>(unnamed)</source>
        <translation>（名前なし）</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>接続済み</translation>
    </message>
    <message>
        <source> · last gap %1 at %2</source>
        <translation> · 前回の途切れ %1（%2）</translation>
    </message>
    <message>
        <source> · read-only</source>
        <translation> · 読み取り専用</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>接続中…</translation>
    </message>
    <message>
        <source>link lost %1 ago, reconnecting: %2</source>
        <translation>リンクが %1 前に切れました。再接続中：%2</translation>
    </message>
    <message>
        <source>not connected: %1</source>
        <translation>未接続：%1</translation>
    </message>
    <message>
        <source>in this process</source>
        <translation>このプロセス内</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; %2 — &lt;span style=&apos;color:%3&apos;&gt;%4&lt;/span&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; %2 — &lt;span style=&apos;color:%3&apos;&gt;%4&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Attached to: %1</source>
        <translation>接続先：%1</translation>
    </message>
    <message>
        <source>%1: recording paused by %2 (%3); the instance keeps and sends nothing</source>
        <translation>%1: %2 (%3) が記録を一時停止しました。インスタンスは何も保存・送信しません</translation>
    </message>
    <message>
        <source>%1: recording resumed by %2 (%3); %4 events were not recorded</source>
        <translation>%1: %2 (%3) が記録を再開しました。%4 件のイベントは記録されませんでした</translation>
    </message>
    <message>
        <source> · recording paused by %1 since %2: nothing is recorded (%3 events so far over all pauses)</source>
        <translation> · %1 が %2 から記録を一時停止中: 何も記録されません (これまでの一時停止で計 %3 件)</translation>
    </message>
</context>
<context>
    <name>LocalInspectorSource</name>
    <message>
        <source>local</source>
        <translation>ローカル</translation>
    </message>
</context>
<context>
    <name>LogView</name>
    <message>
        <source>#%1 connection from %2 on %3</source>
        <translation>#%1 %2 から %3 への接続</translation>
    </message>
    <message>
        <source>#%1 routed to %2 (%3, location %4)</source>
        <translation>#%1 %2 へ振り分け（%3、location %4）</translation>
    </message>
    <message>
        <source>#%1 closed: %2 after %3 ms, %4 bytes up, %5 bytes down</source>
        <translation>#%1 切断：%2（%3 ミリ秒後、上り %4 バイト、下り %5 バイト）</translation>
    </message>
    <message>
        <source>#%1 protocol violation: %2</source>
        <translation>#%1 プロトコル違反：%2</translation>
    </message>
    <message>
        <source>#%1 handshake %2: %3</source>
        <translation>#%1 ハンドシェイクの%2：%3</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>wsscope inspector</source>
        <translation>wsscope インスペクター</translation>
    </message>
    <message>
        <source>Handshake</source>
        <translation>ハンドシェイク</translation>
    </message>
    <message>
        <source>Frames</source>
        <translation>フレーム</translation>
    </message>
    <message>
        <source>Ping timing</source>
        <translation>Ping タイミング</translation>
    </message>
    <message>
        <source>Upstreams</source>
        <translation>上流</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>設定</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>ログ</translation>
    </message>
    <message>
        <source>Inspector started; listening on %1</source>
        <translation>インスペクターを開始しました。待ち受け：%1</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>ファイル(&amp;F)</translation>
    </message>
    <message>
        <source>Save &amp;selected connections as HAR…</source>
        <translation>選択した接続を HAR で保存(&amp;S)…</translation>
    </message>
    <message>
        <source>Save &amp;all connections as HAR…</source>
        <translation>すべての接続を HAR で保存(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Quick start…</source>
        <translation>クイックスタート(&amp;Q)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>終了(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>表示(&amp;V)</translation>
    </message>
    <message>
        <source>F&amp;rame</source>
        <translation>フレーム(&amp;R)</translation>
    </message>
    <message>
        <source>Copy as &amp;text</source>
        <translation>テキストとしてコピー(&amp;T)</translation>
    </message>
    <message>
        <source>Copy as &amp;JSON</source>
        <translation>JSON としてコピー(&amp;J)</translation>
    </message>
    <message>
        <source>Copy as &amp;hex</source>
        <translation>16 進としてコピー(&amp;H)</translation>
    </message>
    <message>
        <source>Frame copied</source>
        <translation>フレームをコピーしました</translation>
    </message>
    <message>
        <source>Listening on %1</source>
        <translation>待ち受け：%1</translation>
    </message>
    <message>
        <source>Connections: %1 live, %2 total</source>
        <translation>接続：接続中 %1、合計 %2</translation>
    </message>
    <message>
        <source>%1 msg/s</source>
        <translation>%1 件/秒</translation>
    </message>
    <message>
        <source>Dropped events: %1</source>
        <translation>破棄したイベント：%1</translation>
    </message>
    <message>
        <source>Save as HAR</source>
        <translation>HAR で保存</translation>
    </message>
    <message>
        <source>Select one or more connections first.</source>
        <translation>先に接続を 1 つ以上選んでください。</translation>
    </message>
    <message>
        <source>HTTP Archive (*.har)</source>
        <translation>HTTP アーカイブ (*.har)</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>%1 を書き込めませんでした：%2</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>%1 を保存しました</translation>
    </message>
    <message>
        <source>&amp;History limits…</source>
        <translation>履歴の上限(&amp;H)…</translation>
    </message>
    <message>
        <source>Capture paused: new connections and frames are not recorded</source>
        <translation>キャプチャを一時停止：新しい接続とフレームは記録しません</translation>
    </message>
    <message>
        <source>Capture resumed</source>
        <translation>キャプチャを再開しました</translation>
    </message>
    <message>
        <source>Paused: %1 new connections and %2 frames not captured</source>
        <translation>一時停止中：新しい接続 %1 件とフレーム %2 件を記録していません</translation>
    </message>
    <message>
        <source>Not captured during the pause: %1 connections, %2 frames</source>
        <translation>一時停止中に記録しなかったもの：接続 %1 件、フレーム %2 件</translation>
    </message>
    <message>
        <source>Quick start: certificate for %1 written to %2</source>
        <translation>クイックスタート：%1 の証明書を %2 に書き出しました</translation>
    </message>
    <message>
        <source>A&amp;ttach to server…</source>
        <translation>サーバーに接続(&amp;T)…</translation>
    </message>
    <message>
        <source>Attaching to %1</source>
        <translation>%1 に接続しています</translation>
    </message>
    <message>
        <source>Watch a headless wsscope&apos;s inspection channel (--inspect-listen); several at once in one attached window</source>
        <translation>ヘッドレス wsscope の検査チャネル（--inspect-listen）を観察します。1 つのウィンドウで複数を同時に</translation>
    </message>
    <message>
        <source>&amp;Instance</source>
        <translation>インスタンス(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Pause recording on the instance</source>
        <translation>インスタンスの記録を一時停止(&amp;P)</translation>
    </message>
    <message>
        <source>Pausing or resuming the recording was refused: %1</source>
        <translation>記録の一時停止・再開が拒否されました: %1</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>拒否されました: %1</translation>
    </message>
    <message>
        <source>The instance keeps and sends nothing while paused; proxying goes on</source>
        <translation>一時停止中、インスタンスは何も保存・送信しません。プロキシは動作を続けます</translation>
    </message>
    <message>
        <source>Not connected, or the channel is read-only</source>
        <translation>未接続か、チャネルが読み取り専用です</translation>
    </message>
</context>
<context>
    <name>MergedInspectorSource</name>
    <message>
        <source>no such instance</source>
        <translation>そのインスタンスはありません</translation>
    </message>
</context>
<context>
    <name>PingChart</name>
    <message>
        <source>No ping round trips yet</source>
        <translation>ping の往復はまだありません</translation>
    </message>
    <message numerus="yes">
        <source>%n round trip(s): min %1 ms · avg %2 ms · max %3 ms</source>
        <translation>
            <numerusform>往復 %n 回：最小 %1 ミリ秒 · 平均 %2 ミリ秒 · 最大 %3 ミリ秒</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n timeout(s)</source>
        <translation>
            <numerusform>タイムアウト %n 回</numerusform>
        </translation>
    </message>
    <message>
        <source>Pings sent by the client, the upstream or the proxy (ws_ping_interval) and their pongs appear here.</source>
        <translation>クライアント・上流・プロキシ（ws_ping_interval）が送った ping とその pong がここに表示されます。</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ミリ秒</translation>
    </message>
</context>
<context>
    <name>PingView</name>
    <message>
        <source>Round trips of pings and their pongs on this connection: the client&apos;s or upstream&apos;s own pings (matched by payload) and the proxy&apos;s keepalive pings (ws_ping_interval, purple). Red crosses: pings that were never answered.</source>
        <translation>この接続の ping と対応する pong の往復時間：クライアントや上流自身の ping（ペイロードで照合）と、プロキシのキープアライブ ping（ws_ping_interval、紫）。赤い×印：応答のなかった ping。</translation>
    </message>
</context>
<context>
    <name>QuickStartDialog</name>
    <message>
        <source>Pass the client&apos;s Host header through (backends that check Origin keep working)</source>
        <translation>クライアントの Host ヘッダーをそのまま渡す（Origin を検査するバックエンドも動作します）</translation>
    </message>
    <message>
        <source>Quick start</source>
        <translation>クイックスタート</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>off</source>
        <translation>オフ</translation>
    </message>
    <message>
        <source>Point a WebSocket client at the listen address; wsscope forwards it to the upstream(s) and shows every handshake and frame. Several upstreams make one group; each client keeps reaching the same server.</source>
        <translation>WebSocket クライアントを待ち受けアドレスに接続してください。wsscope が上流へ転送し、すべてのハンドシェイクとフレームを表示します。複数の上流は 1 つのグループになり、同じクライアントは常に同じサーバーへ届きます。</translation>
    </message>
    <message>
        <source>Listen on:</source>
        <translation>待ち受けアドレス：</translation>
    </message>
    <message>
        <source>Upstream URLs (one per line):</source>
        <translation>上流の URL（1 行に 1 つ）：</translation>
    </message>
    <message>
        <source>Keepalive ping every:</source>
        <translation>キープアライブ ping の間隔：</translation>
    </message>
    <message>
        <source>Write configuration</source>
        <translation>設定を書き出す</translation>
    </message>
    <message>
        <source>The listen address &quot;%1&quot; is not HOST:PORT (for example 127.0.0.1:8080).</source>
        <translation>待ち受けアドレス &quot;%1&quot; が ホスト:ポート の形式ではありません（例：127.0.0.1:8080）。</translation>
    </message>
    <message>
        <source>Give at least one upstream URL, for example ws://127.0.0.1:9000.</source>
        <translation>上流の URL を 1 つ以上指定してください（例：ws://127.0.0.1:9000）。</translation>
    </message>
    <message>
        <source>Serve wss:// (TLS)</source>
        <translation>wss://（TLS）で待ち受ける</translation>
    </message>
    <message>
        <source>Browsers on https pages and WeChat mini-programs only connect to wss://</source>
        <translation>https ページのブラウザや WeChat ミニプログラムは wss:// にしか接続しません</translation>
    </message>
    <message>
        <source>The certificate is issued by the local CA in &lt;tt&gt;%1&lt;/tt&gt; (as &lt;tt&gt;wsscope cert issue&lt;/tt&gt; does) and written into &lt;tt&gt;%2&lt;/tt&gt;.</source>
        <translation>証明書は &lt;tt&gt;%1&lt;/tt&gt; のローカル CA が発行し（&lt;tt&gt;wsscope cert issue&lt;/tt&gt; と同じ）、&lt;tt&gt;%2&lt;/tt&gt; に書き出します。</translation>
    </message>
    <message>
        <source>The local CA does not exist yet: it is created in &lt;tt&gt;%1&lt;/tt&gt; (as &lt;tt&gt;wsscope cert init&lt;/tt&gt; does), then the certificate is issued into &lt;tt&gt;%2&lt;/tt&gt;.</source>
        <translation>ローカル CA はまだありません：&lt;tt&gt;%1&lt;/tt&gt; に作成し（&lt;tt&gt;wsscope cert init&lt;/tt&gt; と同じ）、証明書を &lt;tt&gt;%2&lt;/tt&gt; に発行します。</translation>
    </message>
    <message>
        <source>Clients must trust the CA once: &lt;tt&gt;wsscope cert show&lt;/tt&gt; says how.</source>
        <translation>クライアントはこの CA を一度信頼する必要があります：方法は &lt;tt&gt;wsscope cert show&lt;/tt&gt; が示します。</translation>
    </message>
    <message>
        <source>Cannot issue a certificate for %1 from the local CA in %2: %3</source>
        <translation>%2 のローカル CA から %1 の証明書を発行できません：%3</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a ws://, wss://, http:// or https:// URL with a host.</source>
        <translation>&quot;%1&quot; はホストを含む ws://、wss://、http:// または https:// の URL ではありません。</translation>
    </message>
    <message>
        <source>The upstreams must all use TLS (wss://) or all not (ws://).</source>
        <translation>上流はすべて TLS（wss://）にするか、すべて TLS なし（ws://）にしてください。</translation>
    </message>
</context>
<context>
    <name>RemoteInspectorSource</name>
    <message>
        <source>cannot read the token file %1: %2</source>
        <translation>トークンファイル %1 を読めません：%2</translation>
    </message>
    <message>
        <source>the link to the instance was lost</source>
        <translation>インスタンスとのリンクが切れました</translation>
    </message>
    <message>
        <source>the instance restarted (now run %1); this window did not see the close</source>
        <translation>インスタンスが再起動しました（現在の実行 %1）。このウィンドウはクローズを見ていません</translation>
    </message>
    <message>
        <source>not connected to the instance</source>
        <translation>インスタンスに接続していません</translation>
    </message>
    <message>
        <source>the connection belongs to an earlier run of the instance or the link is down</source>
        <translation>この接続はインスタンスの以前の実行のものか、リンクが切れています</translation>
    </message>
</context>
<context>
    <name>RouteDecisionsModel</name>
    <message>
        <source>key %1</source>
        <translation>キー %1</translation>
    </message>
    <message>
        <source>attempt %1</source>
        <translation>%1 回目の試行</translation>
    </message>
    <message>
        <source>skipped %1</source>
        <translation>%1 をスキップ</translation>
    </message>
    <message>
        <source>client %1</source>
        <translation>クライアント %1</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>時刻</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>接続</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>サーバー</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>理由</translation>
    </message>
</context>
<context>
    <name>SendPanel</name>
    <message>
        <source>&lt;b&gt;Send&lt;/b&gt;</source>
        <translation>&lt;b&gt;送信&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>テキスト</translation>
    </message>
    <message>
        <source>Binary (hex)</source>
        <translation>バイナリ（16 進）</translation>
    </message>
    <message>
        <source>Ping</source>
        <translation>Ping</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>クローズ</translation>
    </message>
    <message>
        <source>to the upstream</source>
        <translation>上流へ</translation>
    </message>
    <message>
        <source>to the client</source>
        <translation>クライアントへ</translation>
    </message>
    <message>
        <source>code </source>
        <translation>コード </translation>
    </message>
    <message>
        <source>Send</source>
        <translation>送信</translation>
    </message>
    <message>
        <source>Message text, hex bytes, ping payload or close reason</source>
        <translation>メッセージ本文、16 進バイト列、ping のペイロード、またはクローズ理由</translation>
    </message>
    <message>
        <source>Select an open WebSocket connection first.</source>
        <translation>先にオープン中の WebSocket 接続を選んでください。</translation>
    </message>
    <message>
        <source>Binary payloads are hex bytes, e.g. &quot;01 02 ff&quot;.</source>
        <translation>バイナリのペイロードは 16 進バイト列です（例：&quot;01 02 ff&quot;）。</translation>
    </message>
    <message>
        <source>Control frames carry at most 125 bytes (RFC 6455 5.5).</source>
        <translation>制御フレームは最大 125 バイトです（RFC 6455 5.5）。</translation>
    </message>
    <message numerus="yes">
        <source>Sent %1 (%n byte(s)) %2</source>
        <translation>
            <numerusform>%1（%n バイト）を%2送信しました</numerusform>
        </translation>
    </message>
    <message>
        <source>#%1 injected %2 frame (%3 bytes) %4</source>
        <translation>#%1 %2 フレーム（%3 バイト）を%4注入</translation>
    </message>
    <message>
        <source>#%1: not sent: %2</source>
        <translation>#%1：送信されませんでした：%2</translation>
    </message>
    <message>
        <source>#%1 injection refused: %2</source>
        <translation>#%1 注入が拒否されました：%2</translation>
    </message>
    <message>
        <source>This inspection channel is read-only (--inspect-readonly): it refuses injection</source>
        <translation>この検査チャネルは読み取り専用です（--inspect-readonly）：注入は拒否されます</translation>
    </message>
</context>
<context>
    <name>UpstreamStatsModel</name>
    <message>
        <source>up</source>
        <translation>稼働</translation>
    </message>
    <message>
        <source>backup</source>
        <translation>予備</translation>
    </message>
    <message>
        <source>failed (%1 s)</source>
        <translation>失敗（%1 秒）</translation>
    </message>
    <message>
        <source>down</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>unhealthy</source>
        <translation>異常</translation>
    </message>
    <message>
        <source>failing</source>
        <translation>障害</translation>
    </message>
    <message>
        <source>balancing: %1</source>
        <translation>負荷分散：%1</translation>
    </message>
    <message>
        <source>Group / server</source>
        <translation>グループ / サーバー</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>状態</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>接続中</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合計</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>割合</translation>
    </message>
    <message>
        <source>Failures</source>
        <translation>失敗</translation>
    </message>
</context>
<context>
    <name>UpstreamsView</name>
    <message>
        <source>&lt;b&gt;Last decisions&lt;/b&gt;</source>
        <translation>&lt;b&gt;直近の振り分け&lt;/b&gt;</translation>
    </message>
</context>
</TS>
