<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AttachDialog</name>
    <message>
        <source>Attach to server</source>
        <translation>连接到服务器</translation>
    </message>
    <message>
        <source>Channel URL:</source>
        <translation>通道 URL：</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Token file:</source>
        <translation>令牌文件：</translation>
    </message>
    <message>
        <source>Attach</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Token file</source>
        <translation>令牌文件</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a ws:// or wss:// URL with a host.</source>
        <translation>“%1”不是带主机名的 ws:// 或 wss:// URL。</translation>
    </message>
    <message>
        <source>The token file %1 does not exist.</source>
        <translation>令牌文件 %1 不存在。</translation>
    </message>
    <message>
        <source>Watch and drive a headless wsscope: the address of its inspection channel (&lt;tt&gt;--inspect-listen&lt;/tt&gt;), e.g. &lt;tt&gt;ws://127.0.0.1:9901&lt;/tt&gt; through &lt;tt&gt;ssh -L 9901:127.0.0.1:9901 server&lt;/tt&gt;. A &lt;tt&gt;wss://&lt;/tt&gt; certificate from the local CA (&lt;tt&gt;wsscope cert&lt;/tt&gt;) is trusted automatically.</source>
        <translation>查看并操作无界面运行的 wsscope：填写它的检查通道地址（&lt;tt&gt;--inspect-listen&lt;/tt&gt;），例如经由 &lt;tt&gt;ssh -L 9901:127.0.0.1:9901 server&lt;/tt&gt; 的 &lt;tt&gt;ws://127.0.0.1:9901&lt;/tt&gt;。由本地 CA（&lt;tt&gt;wsscope cert&lt;/tt&gt;）签发的 &lt;tt&gt;wss://&lt;/tt&gt; 证书会被自动信任。</translation>
    </message>
    <message>
        <source>the file given to --inspect-token-file, copied from the server</source>
        <translation>--inspect-token-file 指定的文件，从服务器复制过来</translation>
    </message>
</context>
<context>
    <name>ConfigEditor</name>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>note</source>
        <translation>注释</translation>
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
        <translation>应用</translation>
    </message>
    <message>
        <source>Check the configuration and reload the proxy with it; on any error the running one stays</source>
        <translation>检查配置并用它重新加载代理；出现任何错误时保留正在运行的配置</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>还原</translation>
    </message>
    <message>
        <source>Quick start…</source>
        <translation>快速开始…</translation>
    </message>
    <message>
        <source>fix: %1</source>
        <translation>修复：%1</translation>
    </message>
    <message numerus="yes">
        <source>%n error(s): Apply will keep the running configuration.</source>
        <translation>
            <numerusform>%n 个错误：应用时将保留正在运行的配置。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Valid, with %n warning(s) or doctor finding(s).</source>
        <translation>
            <numerusform>有效，但有 %n 个警告或诊断发现。</numerusform>
        </translation>
    </message>
    <message>
        <source>Valid.</source>
        <translation>有效。</translation>
    </message>
    <message>
        <source>Applied: new connections use it; open tunnels keep their configuration.</source>
        <translation>已应用：新连接使用新配置；已打开的隧道保留原配置。</translation>
    </message>
    <message>
        <source>Configuration applied; listening on %1</source>
        <translation>配置已应用；监听 %1</translation>
    </message>
    <message>
        <source>Not applied: %1</source>
        <translation>未应用：%1</translation>
    </message>
    <message>
        <source>Configuration not applied: %1</source>
        <translation>配置未应用：%1</translation>
    </message>
    <message>
        <source>Not applied: the configuration has errors; the running one stays.</source>
        <translation>未应用：配置有错误；保留正在运行的配置。</translation>
    </message>
    <message>
        <source>Configuration not applied: it has errors</source>
        <translation>配置未应用：存在错误</translation>
    </message>
    <message>
        <source>Applying…</source>
        <translation>正在应用…</translation>
    </message>
    <message>
        <source>This inspection channel is read-only (--inspect-readonly): it refuses reloads</source>
        <translation>此检查通道为只读（--inspect-readonly）：拒绝重新加载</translation>
    </message>
</context>
<context>
    <name>ConnectionsModel</name>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
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
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <source>client closed</source>
        <translation>客户端关闭</translation>
    </message>
    <message>
        <source>upstream closed</source>
        <translation>上游关闭</translation>
    </message>
    <message>
        <source>client error</source>
        <translation>客户端错误</translation>
    </message>
    <message>
        <source>upstream error</source>
        <translation>上游错误</translation>
    </message>
    <message>
        <source>read timeout</source>
        <translation>读取超时</translation>
    </message>
    <message>
        <source>send timeout</source>
        <translation>发送超时</translation>
    </message>
    <message>
        <source>header timeout</source>
        <translation>请求头超时</translation>
    </message>
    <message>
        <source>keep-alive timeout</source>
        <translation>keep-alive 超时</translation>
    </message>
    <message>
        <source>bad request</source>
        <translation>错误请求</translation>
    </message>
    <message>
        <source>upstream failure</source>
        <translation>上游失败</translation>
    </message>
    <message>
        <source>shutdown drain</source>
        <translation>关闭时排空</translation>
    </message>
    <message>
        <source>ping timeout</source>
        <translation>ping 超时</translation>
    </message>
    <message>
        <source>protocol error</source>
        <translation>协议错误</translation>
    </message>
    <message>
        <source>closed from the inspector</source>
        <translation>由检查器关闭</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>connecting</source>
        <translation>连接中</translation>
    </message>
    <message>
        <source>routed</source>
        <translation>已路由</translation>
    </message>
    <message>
        <source>open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>HTTP</source>
        <translation>HTTP</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Frames from the client to the upstream</source>
        <translation>从客户端到上游的帧</translation>
    </message>
    <message>
        <source>Frames from the upstream to the client</source>
        <translation>从上游到客户端的帧</translation>
    </message>
    <message>
        <source>Payload bytes from the client (wire bytes once closed)</source>
        <translation>来自客户端的负载字节数（关闭后为线路字节数）</translation>
    </message>
    <message>
        <source>Payload bytes from the upstream (wire bytes once closed)</source>
        <translation>来自上游的负载字节数（关闭后为线路字节数）</translation>
    </message>
    <message>
        <source>Last ping round trip</source>
        <translation>最近一次 ping 往返时间</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Client</source>
        <translation>客户端</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Upstream</source>
        <translation>上游</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Age</source>
        <translation>时长</translation>
    </message>
    <message>
        <source>Frames ↑</source>
        <translation>帧 ↑</translation>
    </message>
    <message>
        <source>Frames ↓</source>
        <translation>帧 ↓</translation>
    </message>
    <message>
        <source>Bytes ↑</source>
        <translation>字节 ↑</translation>
    </message>
    <message>
        <source>Bytes ↓</source>
        <translation>字节 ↓</translation>
    </message>
    <message>
        <source>Ping RTT</source>
        <translation>Ping 往返</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>TLS handshake failed</source>
        <translation>TLS 握手失败</translation>
    </message>
    <message>
        <source>Instance</source>
        <translation>实例</translation>
    </message>
</context>
<context>
    <name>ConnectionsView</name>
    <message>
        <source>Filter connections (client, path, upstream, state, close cause)</source>
        <translation>筛选连接（客户端、路径、上游、状态、关闭原因）</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Stop capturing: while paused, new connections and frames are not recorded (only counted); the rows already shown stay</source>
        <translation>停止捕获：暂停期间不记录新的连接和帧（只计数）；已显示的行保留</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <source>%1 shown · %2 closed kept of %3 · %4 removed</source>
        <translation>显示 %1 · 已关闭保留 %2/%3 · 已移除 %4</translation>
    </message>
    <message>
        <source>History limits (View → History limits…): %1 closed connections, %2 in all; %3 frames per connection, %4 frames and %5 MiB in all. Frames now: %6, about %7 MiB.</source>
        <translation>历史记录上限（视图 → 历史记录上限…）：已关闭连接 %1 个，连接总数 %2 个；每个连接 %3 帧，总共 %4 帧、%5 MiB。当前帧数：%6，约 %7 MiB。</translation>
    </message>
</context>
<context>
    <name>DiagnosticsModel</name>
    <message>
        <source>fix: %1</source>
        <translation>修复：%1</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>note</source>
        <translation>注</translation>
    </message>
    <message>
        <source>doctor</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>行</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>消息</translation>
    </message>
</context>
<context>
    <name>FramesModel</name>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>binary</source>
        <translation>二进制</translation>
    </message>
    <message>
        <source>close</source>
        <translation>关闭</translation>
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
        <translation>续帧</translation>
    </message>
    <message>
        <source>(RTT %1 ms)</source>
        <translation>（往返 %1 毫秒）</translation>
    </message>
    <message>
        <source>(injected)</source>
        <translation>（注入）</translation>
    </message>
    <message>
        <source>(not relayed)</source>
        <translation>（未转发）</translation>
    </message>
    <message>
        <source>(inflated)</source>
        <translation>（已解压）</translation>
    </message>
    <message>
        <source>client → upstream</source>
        <translation>客户端 → 上游</translation>
    </message>
    <message>
        <source>upstream → client</source>
        <translation>上游 → 客户端</translation>
    </message>
    <message>
        <source>Preview truncated: %1 of %2 bytes kept</source>
        <translation>预览已截断：保留 %2 字节中的 %1 字节</translation>
    </message>
    <message>
        <source>Dir</source>
        <translation>方向</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Opcode</source>
        <translation>操作码</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>预览</translation>
    </message>
</context>
<context>
    <name>FramesView</name>
    <message numerus="yes">
        <source>{%n key(s)}</source>
        <translation>
            <numerusform>{%n 个键}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>[%n item(s)]</source>
        <translation>
            <numerusform>[%n 项]</numerusform>
        </translation>
    </message>
    <message>
        <source>Search this connection&apos;s frames</source>
        <translation>搜索此连接的帧</translation>
    </message>
    <message>
        <source>Regex</source>
        <translation>正则</translation>
    </message>
    <message>
        <source>Control frames</source>
        <translation>控制帧</translation>
    </message>
    <message>
        <source>Show ping, pong and close frames</source>
        <translation>显示 ping、pong 和 close 帧</translation>
    </message>
    <message>
        <source>Auto-scroll</source>
        <translation>自动滚动</translation>
    </message>
    <message>
        <source>Select a frame</source>
        <translation>选择一帧</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>键</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Hex</source>
        <translation>十六进制</translation>
    </message>
    <message>
        <source>Copy as:</source>
        <translation>复制为：</translation>
    </message>
    <message>
        <source>%1 of %2 frames · limit %3 per connection</source>
        <translation>%1 / %2 帧 · 每个连接上限 %3</translation>
    </message>
    <message numerus="yes">
        <source>%Ln older frame(s) dropped (history limits)</source>
        <translation>
            <numerusform>已丢弃 %Ln 个较早的帧（历史记录上限）</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln frame(s) not captured while paused</source>
        <translation>
            <numerusform>暂停期间有 %Ln 个帧未捕获</numerusform>
        </translation>
    </message>
    <message>
        <source>Invalid regular expression</source>
        <translation>无效的正则表达式</translation>
    </message>
    <message>
        <source>client → upstream</source>
        <translation>客户端 → 上游</translation>
    </message>
    <message>
        <source>upstream → client</source>
        <translation>上游 → 客户端</translation>
    </message>
    <message numerus="yes">
        <source>%n byte(s)</source>
        <translation>
            <numerusform>%n 字节</numerusform>
        </translation>
    </message>
    <message>
        <source>compressed (permessage-deflate), shown inflated</source>
        <translation>已压缩（permessage-deflate），显示解压后内容</translation>
    </message>
    <message>
        <source>compressed (permessage-deflate)</source>
        <translation>已压缩（permessage-deflate）</translation>
    </message>
    <message numerus="yes">
        <source>preview: first %n byte(s)</source>
        <translation>
            <numerusform>预览：前 %n 字节</numerusform>
        </translation>
    </message>
    <message>
        <source>injected by the inspector or the proxy</source>
        <translation>由检查器或代理注入</translation>
    </message>
    <message>
        <source>answered the proxy&apos;s ping; not relayed</source>
        <translation>应答代理的 ping；未转发</translation>
    </message>
    <message>
        <source>round trip %1 ms</source>
        <translation>往返 %1 毫秒</translation>
    </message>
    <message numerus="yes">
        <source>(binary: %n byte(s); see Hex)</source>
        <translation>
            <numerusform>（二进制：%n 字节；见十六进制）</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HandshakeView</name>
    <message>
        <source>Select a connection to see its handshake.</source>
        <translation>选择一个连接以查看其握手。</translation>
    </message>
    <message>
        <source>&lt;b&gt;Request&lt;/b&gt;: as the client sent it, and as it went upstream (&lt;span style=&apos;background:%1&apos;&gt;added&lt;/span&gt;, &lt;span style=&apos;background:%2&apos;&gt;removed&lt;/span&gt;, &lt;span style=&apos;background:%3&apos;&gt;changed&lt;/span&gt;)</source>
        <translation>&lt;b&gt;请求&lt;/b&gt;：客户端发送的原样，以及转发到上游的样子（&lt;span style=&apos;background:%1&apos;&gt;新增&lt;/span&gt;、&lt;span style=&apos;background:%2&apos;&gt;删除&lt;/span&gt;、&lt;span style=&apos;background:%3&apos;&gt;修改&lt;/span&gt;）</translation>
    </message>
    <message>
        <source>Header</source>
        <translation>头部字段</translation>
    </message>
    <message>
        <source>As received</source>
        <translation>收到的</translation>
    </message>
    <message>
        <source>As forwarded</source>
        <translation>转发的</translation>
    </message>
    <message>
        <source>Change</source>
        <translation>变化</translation>
    </message>
    <message>
        <source>&lt;b&gt;Response&lt;/b&gt;</source>
        <translation>&lt;b&gt;响应&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>&lt;b&gt;Handshake checks&lt;/b&gt;</source>
        <translation>&lt;b&gt;握手检查&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Severity</source>
        <translation>级别</translation>
    </message>
    <message>
        <source>Finding</source>
        <translation>发现</translation>
    </message>
    <message>
        <source>Code</source>
        <translation>代码</translation>
    </message>
    <message>
        <source>info</source>
        <translation>信息</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>from %1 on %2</source>
        <translation>来自 %1，监听 %2</translation>
    </message>
    <message>
        <source>location &lt;tt&gt;%1&lt;/tt&gt; → %2 in group %3 (%4)</source>
        <translation>location &lt;tt&gt;%1&lt;/tt&gt; → 组 %3 中的 %2（%4）</translation>
    </message>
    <message>
        <source>attempt %1</source>
        <translation>第 %1 次尝试</translation>
    </message>
    <message>
        <source>subprotocol %1</source>
        <translation>子协议 %1</translation>
    </message>
    <message>
        <source>extensions %1</source>
        <translation>扩展 %1</translation>
    </message>
    <message>
        <source>tunnel open</source>
        <translation>隧道已打开</translation>
    </message>
    <message>
        <source>tunnel open: %1</source>
        <translation>隧道已打开：%1</translation>
    </message>
    <message>
        <source>closed: %1</source>
        <translation>已关闭：%1</translation>
    </message>
    <message>
        <source>(request line)</source>
        <translation>（请求行）</translation>
    </message>
    <message>
        <source>(not forwarded)</source>
        <translation>（未转发）</translation>
    </message>
    <message>
        <source>changed</source>
        <translation>修改</translation>
    </message>
    <message>
        <source>added</source>
        <translation>新增</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>(status line)</source>
        <translation>（状态行）</translation>
    </message>
    <message>
        <source>(answered by the proxy)</source>
        <translation>（由代理应答）</translation>
    </message>
    <message>
        <source>violation</source>
        <translation>违规</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>No problems found in the handshake</source>
        <translation>握手中未发现问题</translation>
    </message>
    <message>
        <source>WeChat DevTools simulator</source>
        <translation>微信开发者工具模拟器</translation>
    </message>
    <message>
        <source>development or trial build</source>
        <translation>开发版或体验版</translation>
    </message>
    <message>
        <source>release build</source>
        <translation>正式版</translation>
    </message>
    <message>
        <source>&lt;b&gt;WeChat mini-program&lt;/b&gt;: appid &lt;tt&gt;%1&lt;/tt&gt;, version %2 (%3)</source>
        <translation>&lt;b&gt;微信小程序&lt;/b&gt;：appid &lt;tt&gt;%1&lt;/tt&gt;，版本 %2（%3）</translation>
    </message>
</context>
<context>
    <name>HistoryLimitsDialog</name>
    <message>
        <source>History limits</source>
        <translation>历史记录上限</translation>
    </message>
    <message>
        <source> MiB</source>
        <translation> MiB</translation>
    </message>
    <message>
        <source>The inspector keeps a bounded history so that its memory stays flat however long it runs. When a limit is reached the oldest entries go first: older frames of a connection (the frames view says how many were dropped), then the oldest closed connections. Open connections are removed only past the limit on all connections.</source>
        <translation>检查器只保留有上限的历史记录，因此无论运行多久内存都保持平稳。达到上限时最旧的条目先被移除：先是连接中较早的帧（帧视图会显示丢弃了多少），然后是最早关闭的连接。只有超过全部连接的上限时才会移除仍打开的连接。</translation>
    </message>
    <message>
        <source>Frames kept per connection:</source>
        <translation>每个连接保留的帧数：</translation>
    </message>
    <message>
        <source>Frames kept in total:</source>
        <translation>总共保留的帧数：</translation>
    </message>
    <message>
        <source>Memory for frames, at most:</source>
        <translation>帧占用内存上限：</translation>
    </message>
    <message>
        <source>Closed connections kept:</source>
        <translation>保留的已关闭连接数：</translation>
    </message>
    <message>
        <source>Connections kept in total:</source>
        <translation>总共保留的连接数：</translation>
    </message>
</context>
<context>
    <name>InspectProtocol</name>
    <message>
        <source>the instance&apos;s TLS certificate is not trusted (%1); trusted are the system&apos;s CAs and this machine&apos;s local CA (wsscope cert show)</source>
        <translation>实例的 TLS 证书不受信任（%1）；受信任的是系统的 CA 和本机的本地 CA（wsscope cert show）</translation>
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
        <translation>%1：链路在中断 %2 后恢复（自 %3 起）；中断期间发生的事情从该实例的历史记录获取</translation>
    </message>
    <message>
        <source>%1: link lost (%2); reconnecting</source>
        <translation>%1：链路中断（%2）；正在重新连接</translation>
    </message>
    <message>
        <source>(unnamed)</source>
        <translation>（未命名）</translation>
    </message>
    <message>
        <source>connected</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source> · last gap %1 at %2</source>
        <translation> · 上次中断 %1，于 %2</translation>
    </message>
    <message>
        <source> · read-only</source>
        <translation> · 只读</translation>
    </message>
    <message>
        <source>connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <source>link lost %1 ago, reconnecting: %2</source>
        <translation>链路已中断 %1，正在重新连接：%2</translation>
    </message>
    <message>
        <source>not connected: %1</source>
        <translation>未连接：%1</translation>
    </message>
    <message>
        <source>in this process</source>
        <translation>在本进程中</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; %2 — &lt;span style=&apos;color:%3&apos;&gt;%4&lt;/span&gt;</source>
        <translation>&lt;b&gt;%1&lt;/b&gt; %2 — &lt;span style=&apos;color:%3&apos;&gt;%4&lt;/span&gt;</translation>
    </message>
    <message>
        <source>Attached to: %1</source>
        <translation>已连接到：%1</translation>
    </message>
    <message>
        <source>%1: recording paused by %2 (%3); the instance keeps and sends nothing</source>
        <translation>%1：%2（%3）暂停了记录；实例不保存也不发送任何内容</translation>
    </message>
    <message>
        <source>%1: recording resumed by %2 (%3); %4 events were not recorded</source>
        <translation>%1：%2（%3）恢复了记录；有 %4 个事件未被记录</translation>
    </message>
    <message>
        <source> · recording paused by %1 since %2: nothing is recorded (%3 events so far over all pauses)</source>
        <translation> · 记录已被 %1 于 %2 暂停：不记录任何内容（历次暂停共 %3 个事件）</translation>
    </message>
</context>
<context>
    <name>LocalInspectorSource</name>
    <message>
        <source>local</source>
        <translation>本机</translation>
    </message>
</context>
<context>
    <name>LogView</name>
    <message>
        <source>#%1 connection from %2 on %3</source>
        <translation>#%1 来自 %2 的连接，监听 %3</translation>
    </message>
    <message>
        <source>#%1 routed to %2 (%3, location %4)</source>
        <translation>#%1 路由到 %2（%3，location %4）</translation>
    </message>
    <message>
        <source>#%1 closed: %2 after %3 ms, %4 bytes up, %5 bytes down</source>
        <translation>#%1 已关闭：%2，历时 %3 毫秒，上行 %4 字节，下行 %5 字节</translation>
    </message>
    <message>
        <source>#%1 protocol violation: %2</source>
        <translation>#%1 协议违规：%2</translation>
    </message>
    <message>
        <source>#%1 handshake %2: %3</source>
        <translation>#%1 握手%2：%3</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>wsscope inspector</source>
        <translation>wsscope 检查器</translation>
    </message>
    <message>
        <source>Handshake</source>
        <translation>握手</translation>
    </message>
    <message>
        <source>Frames</source>
        <translation>帧</translation>
    </message>
    <message>
        <source>Ping timing</source>
        <translation>Ping 时延</translation>
    </message>
    <message>
        <source>Upstreams</source>
        <translation>上游</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>日志</translation>
    </message>
    <message>
        <source>Inspector started; listening on %1</source>
        <translation>检查器已启动；监听 %1</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Save &amp;selected connections as HAR…</source>
        <translation>将所选连接保存为 HAR(&amp;S)…</translation>
    </message>
    <message>
        <source>Save &amp;all connections as HAR…</source>
        <translation>将全部连接保存为 HAR(&amp;A)…</translation>
    </message>
    <message>
        <source>&amp;Quick start…</source>
        <translation>快速开始(&amp;Q)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>F&amp;rame</source>
        <translation>帧(&amp;R)</translation>
    </message>
    <message>
        <source>Copy as &amp;text</source>
        <translation>复制为文本(&amp;T)</translation>
    </message>
    <message>
        <source>Copy as &amp;JSON</source>
        <translation>复制为 JSON(&amp;J)</translation>
    </message>
    <message>
        <source>Copy as &amp;hex</source>
        <translation>复制为十六进制(&amp;H)</translation>
    </message>
    <message>
        <source>Frame copied</source>
        <translation>已复制帧</translation>
    </message>
    <message>
        <source>Listening on %1</source>
        <translation>监听 %1</translation>
    </message>
    <message>
        <source>Connections: %1 live, %2 total</source>
        <translation>连接：活动 %1，总计 %2</translation>
    </message>
    <message>
        <source>%1 msg/s</source>
        <translation>%1 条/秒</translation>
    </message>
    <message>
        <source>Dropped events: %1</source>
        <translation>丢弃的事件：%1</translation>
    </message>
    <message>
        <source>Save as HAR</source>
        <translation>保存为 HAR</translation>
    </message>
    <message>
        <source>Select one or more connections first.</source>
        <translation>请先选择一个或多个连接。</translation>
    </message>
    <message>
        <source>HTTP Archive (*.har)</source>
        <translation>HTTP 归档 (*.har)</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>&amp;History limits…</source>
        <translation>历史记录上限(&amp;H)…</translation>
    </message>
    <message>
        <source>Capture paused: new connections and frames are not recorded</source>
        <translation>已暂停捕获：不记录新的连接和帧</translation>
    </message>
    <message>
        <source>Capture resumed</source>
        <translation>已恢复捕获</translation>
    </message>
    <message>
        <source>Paused: %1 new connections and %2 frames not captured</source>
        <translation>已暂停：未捕获 %1 个新连接和 %2 个帧</translation>
    </message>
    <message>
        <source>Not captured during the pause: %1 connections, %2 frames</source>
        <translation>暂停期间未捕获：%1 个连接，%2 个帧</translation>
    </message>
    <message>
        <source>Quick start: certificate for %1 written to %2</source>
        <translation>快速开始：%1 的证书已写入 %2</translation>
    </message>
    <message>
        <source>A&amp;ttach to server…</source>
        <translation>连接到服务器(&amp;T)…</translation>
    </message>
    <message>
        <source>Attaching to %1</source>
        <translation>正在连接 %1</translation>
    </message>
    <message>
        <source>Watch a headless wsscope&apos;s inspection channel (--inspect-listen); several at once in one attached window</source>
        <translation>查看无界面 wsscope 的检查通道（--inspect-listen）；一个窗口可同时连接多个</translation>
    </message>
    <message>
        <source>&amp;Instance</source>
        <translation>实例(&amp;I)</translation>
    </message>
    <message>
        <source>&amp;Pause recording on the instance</source>
        <translation>暂停实例上的记录(&amp;P)</translation>
    </message>
    <message>
        <source>Pausing or resuming the recording was refused: %1</source>
        <translation>暂停或恢复记录被拒绝：%1</translation>
    </message>
    <message>
        <source>Refused: %1</source>
        <translation>被拒绝：%1</translation>
    </message>
    <message>
        <source>The instance keeps and sends nothing while paused; proxying goes on</source>
        <translation>暂停期间实例不保存也不发送任何内容；代理照常进行</translation>
    </message>
    <message>
        <source>Not connected, or the channel is read-only</source>
        <translation>未连接，或通道为只读</translation>
    </message>
</context>
<context>
    <name>MergedInspectorSource</name>
    <message>
        <source>no such instance</source>
        <translation>没有这个实例</translation>
    </message>
</context>
<context>
    <name>PingChart</name>
    <message>
        <source>No ping round trips yet</source>
        <translation>尚无 ping 往返</translation>
    </message>
    <message numerus="yes">
        <source>%n round trip(s): min %1 ms · avg %2 ms · max %3 ms</source>
        <translation>
            <numerusform>%n 次往返：最小 %1 毫秒 · 平均 %2 毫秒 · 最大 %3 毫秒</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n timeout(s)</source>
        <translation>
            <numerusform>%n 次超时</numerusform>
        </translation>
    </message>
    <message>
        <source>Pings sent by the client, the upstream or the proxy (ws_ping_interval) and their pongs appear here.</source>
        <translation>客户端、上游或代理（ws_ping_interval）发送的 ping 及其 pong 会显示在这里。</translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 毫秒</translation>
    </message>
</context>
<context>
    <name>PingView</name>
    <message>
        <source>Round trips of pings and their pongs on this connection: the client&apos;s or upstream&apos;s own pings (matched by payload) and the proxy&apos;s keepalive pings (ws_ping_interval, purple). Red crosses: pings that were never answered.</source>
        <translation>此连接上 ping 与其 pong 的往返时间：客户端或上游自己的 ping（按负载匹配）以及代理的保活 ping（ws_ping_interval，紫色）。红色叉号：从未得到应答的 ping。</translation>
    </message>
</context>
<context>
    <name>QuickStartDialog</name>
    <message>
        <source>Pass the client&apos;s Host header through (backends that check Origin keep working)</source>
        <translation>原样传递客户端的 Host 请求头（检查 Origin 的后端可继续工作）</translation>
    </message>
    <message>
        <source>Quick start</source>
        <translation>快速开始</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Point a WebSocket client at the listen address; wsscope forwards it to the upstream(s) and shows every handshake and frame. Several upstreams make one group; each client keeps reaching the same server.</source>
        <translation>让 WebSocket 客户端连接监听地址；wsscope 会将其转发到上游，并显示每次握手和每一帧。多个上游组成一个组；同一客户端始终连到同一台服务器。</translation>
    </message>
    <message>
        <source>Listen on:</source>
        <translation>监听地址：</translation>
    </message>
    <message>
        <source>Upstream URLs (one per line):</source>
        <translation>上游 URL（每行一个）：</translation>
    </message>
    <message>
        <source>Keepalive ping every:</source>
        <translation>保活 ping 间隔：</translation>
    </message>
    <message>
        <source>Write configuration</source>
        <translation>生成配置</translation>
    </message>
    <message>
        <source>The listen address &quot;%1&quot; is not HOST:PORT (for example 127.0.0.1:8080).</source>
        <translation>监听地址 &quot;%1&quot; 不是 主机:端口 格式（例如 127.0.0.1:8080）。</translation>
    </message>
    <message>
        <source>Give at least one upstream URL, for example ws://127.0.0.1:9000.</source>
        <translation>请至少填写一个上游 URL，例如 ws://127.0.0.1:9000。</translation>
    </message>
    <message>
        <source>Serve wss:// (TLS)</source>
        <translation>提供 wss://（TLS）</translation>
    </message>
    <message>
        <source>Browsers on https pages and WeChat mini-programs only connect to wss://</source>
        <translation>https 页面中的浏览器和微信小程序只能连接 wss://</translation>
    </message>
    <message>
        <source>The certificate is issued by the local CA in &lt;tt&gt;%1&lt;/tt&gt; (as &lt;tt&gt;wsscope cert issue&lt;/tt&gt; does) and written into &lt;tt&gt;%2&lt;/tt&gt;.</source>
        <translation>证书由 &lt;tt&gt;%1&lt;/tt&gt; 中的本地 CA 签发（与 &lt;tt&gt;wsscope cert issue&lt;/tt&gt; 相同），写入 &lt;tt&gt;%2&lt;/tt&gt;。</translation>
    </message>
    <message>
        <source>The local CA does not exist yet: it is created in &lt;tt&gt;%1&lt;/tt&gt; (as &lt;tt&gt;wsscope cert init&lt;/tt&gt; does), then the certificate is issued into &lt;tt&gt;%2&lt;/tt&gt;.</source>
        <translation>本地 CA 还不存在：将在 &lt;tt&gt;%1&lt;/tt&gt; 中创建（与 &lt;tt&gt;wsscope cert init&lt;/tt&gt; 相同），然后把证书签发到 &lt;tt&gt;%2&lt;/tt&gt;。</translation>
    </message>
    <message>
        <source>Clients must trust the CA once: &lt;tt&gt;wsscope cert show&lt;/tt&gt; says how.</source>
        <translation>客户端需要信任该 CA 一次：方法见 &lt;tt&gt;wsscope cert show&lt;/tt&gt;。</translation>
    </message>
    <message>
        <source>Cannot issue a certificate for %1 from the local CA in %2: %3</source>
        <translation>无法用 %2 中的本地 CA 为 %1 签发证书：%3</translation>
    </message>
    <message>
        <source>&quot;%1&quot; is not a ws://, wss://, http:// or https:// URL with a host.</source>
        <translation>&quot;%1&quot; 不是带主机名的 ws://、wss://、http:// 或 https:// URL。</translation>
    </message>
    <message>
        <source>The upstreams must all use TLS (wss://) or all not (ws://).</source>
        <translation>上游必须全部使用 TLS（wss://）或全部不使用（ws://）。</translation>
    </message>
</context>
<context>
    <name>RemoteInspectorSource</name>
    <message>
        <source>cannot read the token file %1: %2</source>
        <translation>无法读取令牌文件 %1：%2</translation>
    </message>
    <message>
        <source>the link to the instance was lost</source>
        <translation>与实例的链路已中断</translation>
    </message>
    <message>
        <source>the instance restarted (now run %1); this window did not see the close</source>
        <translation>实例已重启（当前运行 %1）；本窗口未看到关闭过程</translation>
    </message>
    <message>
        <source>not connected to the instance</source>
        <translation>未连接到实例</translation>
    </message>
    <message>
        <source>the connection belongs to an earlier run of the instance or the link is down</source>
        <translation>该连接属于实例之前的运行，或链路已中断</translation>
    </message>
</context>
<context>
    <name>RouteDecisionsModel</name>
    <message>
        <source>key %1</source>
        <translation>键 %1</translation>
    </message>
    <message>
        <source>attempt %1</source>
        <translation>第 %1 次尝试</translation>
    </message>
    <message>
        <source>skipped %1</source>
        <translation>跳过 %1</translation>
    </message>
    <message>
        <source>client %1</source>
        <translation>客户端 %1</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>SendPanel</name>
    <message>
        <source>&lt;b&gt;Send&lt;/b&gt;</source>
        <translation>&lt;b&gt;发送&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Binary (hex)</source>
        <translation>二进制（十六进制）</translation>
    </message>
    <message>
        <source>Ping</source>
        <translation>Ping</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>to the upstream</source>
        <translation>发往上游</translation>
    </message>
    <message>
        <source>to the client</source>
        <translation>发往客户端</translation>
    </message>
    <message>
        <source>code </source>
        <translation>代码 </translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Message text, hex bytes, ping payload or close reason</source>
        <translation>消息文本、十六进制字节、ping 负载或关闭原因</translation>
    </message>
    <message>
        <source>Select an open WebSocket connection first.</source>
        <translation>请先选择一个打开的 WebSocket 连接。</translation>
    </message>
    <message>
        <source>Binary payloads are hex bytes, e.g. &quot;01 02 ff&quot;.</source>
        <translation>二进制负载请填写十六进制字节，例如 &quot;01 02 ff&quot;。</translation>
    </message>
    <message>
        <source>Control frames carry at most 125 bytes (RFC 6455 5.5).</source>
        <translation>控制帧最多携带 125 字节（RFC 6455 5.5）。</translation>
    </message>
    <message numerus="yes">
        <source>Sent %1 (%n byte(s)) %2</source>
        <translation>
            <numerusform>已发送 %1（%n 字节）%2</numerusform>
        </translation>
    </message>
    <message>
        <source>#%1 injected %2 frame (%3 bytes) %4</source>
        <translation>#%1 注入 %2 帧（%3 字节）%4</translation>
    </message>
    <message>
        <source>#%1: not sent: %2</source>
        <translation>#%1：未发送：%2</translation>
    </message>
    <message>
        <source>#%1 injection refused: %2</source>
        <translation>#%1 注入被拒绝：%2</translation>
    </message>
    <message>
        <source>This inspection channel is read-only (--inspect-readonly): it refuses injection</source>
        <translation>此检查通道为只读（--inspect-readonly）：拒绝注入</translation>
    </message>
</context>
<context>
    <name>UpstreamStatsModel</name>
    <message>
        <source>up</source>
        <translation>正常</translation>
    </message>
    <message>
        <source>backup</source>
        <translation>备用</translation>
    </message>
    <message>
        <source>failed (%1 s)</source>
        <translation>失败（%1 秒）</translation>
    </message>
    <message>
        <source>down</source>
        <translation>停用</translation>
    </message>
    <message>
        <source>unhealthy</source>
        <translation>不健康</translation>
    </message>
    <message>
        <source>failing</source>
        <translation>故障</translation>
    </message>
    <message>
        <source>balancing: %1</source>
        <translation>负载均衡：%1</translation>
    </message>
    <message>
        <source>Group / server</source>
        <translation>组 / 服务器</translation>
    </message>
    <message>
        <source>Health</source>
        <translation>健康状态</translation>
    </message>
    <message>
        <source>Live</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>总计</translation>
    </message>
    <message>
        <source>Share</source>
        <translation>占比</translation>
    </message>
    <message>
        <source>Failures</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>UpstreamsView</name>
    <message>
        <source>&lt;b&gt;Last decisions&lt;/b&gt;</source>
        <translation>&lt;b&gt;最近的决策&lt;/b&gt;</translation>
    </message>
</context>
</TS>
