#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QStringList>

#include <array>
#include <memory>
#include <optional>

// RFC 7692 permessage-deflate, as an observer needs it: read the extension
// negotiation from both sides of the handshake, then inflate each direction's
// compressed messages for display while the forwarded bytes stay compressed.

// One `name[=value]` of an extension (RFC 6455 9.1). A quoted value is stored
// unquoted and unescaped; `hasValue` tells `name` from `name=""`.
struct WsExtensionParam
{
    QByteArray name;
    QByteArray value;
    bool hasValue = false;

    friend bool operator==(const WsExtensionParam &, const WsExtensionParam &) = default;
};

// One element of a Sec-WebSocket-Extensions list: `permessage-deflate;
// client_max_window_bits`. A client lists several elements of the same name
// as alternative offers, preferred first (RFC 7692 5).
struct WsExtension
{
    QByteArray name;
    QList<WsExtensionParam> params;

    friend bool operator==(const WsExtension &, const WsExtension &) = default;
};

// What one side's compressor promised (RFC 7692 7.1): the client's promises
// govern client-to-server messages, the server's the other direction.
struct WsDeflateDirectionParams
{
    int maxWindowBits = 15;          // LZ77 window of 2^bits bytes, 8..15
    bool noContextTakeover = false;  // the window is emptied after each message

    friend bool operator==(const WsDeflateDirectionParams &, const WsDeflateDirectionParams &) = default;
};

// The agreed permessage-deflate configuration of one connection.
struct WsDeflateParams
{
    WsDeflateDirectionParams client; // client_no_context_takeover, client_max_window_bits
    WsDeflateDirectionParams server; // server_no_context_takeover, server_max_window_bits

    // "permessage-deflate; server_no_context_takeover; client_max_window_bits=10":
    // a response element naming the parameters that differ from the defaults.
    QByteArray toHeaderValue() const;

    friend bool operator==(const WsDeflateParams &, const WsDeflateParams &) = default;
};

// The outcome of reading both sides' Sec-WebSocket-Extensions.
struct WsDeflateNegotiation
{
    enum class Status : quint8 {
        NotOffered, // the client did not offer permessage-deflate (and the server did not answer with it)
        Declined,   // offered, and the server's response does not use it: messages are uncompressed
        Accepted,   // `params` holds what both sides must follow
        Invalid,    // the response breaks RFC 7692; a conforming client fails the connection
    };

    Status status = Status::NotOffered;
    WsDeflateParams params;     // meaningful when Accepted
    QString error;              // why the response is Invalid
    // Client offers a server must decline (RFC 7692 5: unknown or duplicate
    // parameter, bad value); one line each. Reported, never fatal.
    QStringList offerProblems;
    int acceptedOffer = -1;     // index among the client's permessage-deflate offers

    bool isAccepted() const { return status == Status::Accepted; }
};

class WsPerMessageDeflate final
{
    Q_DECLARE_TR_FUNCTIONS(WsPerMessageDeflate)

public:
    WsPerMessageDeflate() = delete;

    static constexpr QByteArrayView ExtensionName = "permessage-deflate";

    // Parses a Sec-WebSocket-Extensions value (RFC 6455 9.1): comma-separated
    // extensions, each with `;`-separated parameters whose values are tokens
    // or quoted strings. Names are compared case-insensitively elsewhere and
    // kept as written here. Returns nothing and sets `error` on a syntax
    // error. Several header fields are joined with ", " first
    // (HttpHeaders::combinedValue). An empty value is an empty list.
    static std::optional<QList<WsExtension>> parseExtensions(QByteArrayView value, QString *error = nullptr);

    // Reads one permessage-deflate element of a client's offer. Returns the
    // configuration the offer allows the server to choose, or sets `error`
    // when a server must decline it (RFC 7692 5 and 7.1).
    struct Offer
    {
        std::optional<int> serverMaxWindowBits;  // server_max_window_bits=N: the server must use <= N
        std::optional<int> clientMaxWindowBits;  // client_max_window_bits=N
        bool serverNoContextTakeover = false;    // the server must agree to reset its window
        bool clientNoContextTakeover = false;    // a hint: the client will reset anyway
        bool clientMaxWindowBitsAllowed = false; // client_max_window_bits with or without a value
    };
    static std::optional<Offer> parseOffer(const WsExtension &element, QString *error = nullptr);

    // Validates the server's permessage-deflate element against one offer
    // (RFC 7692 5.1 and 7.1). Returns the agreed parameters, or sets `error`.
    static std::optional<WsDeflateParams> acceptResponse(const Offer &offer, const WsExtension &response,
                                                         QString *error = nullptr);

    // The whole negotiation from the two header values (either may be
    // empty). The server may accept any one of the offers; the response is
    // Invalid when it fits none of them, repeats the extension, or the client
    // never offered it.
    static WsDeflateNegotiation negotiate(QByteArrayView clientExtensions, QByteArrayView serverExtensions);
};

// How inflating one message went.
enum class WsInflateStatus : quint8 {
    Ok,
    Corrupt,     // the compressed data is not valid DEFLATE (see `error`)
    ContextLost, // an earlier message of this direction failed while its window was shared
    TooLarge,    // inflating went past the inflater's work limit and was abandoned
};

struct WsInflateResult
{
    QByteArray payload;        // the inflated message, at most the output cap
    QString error;             // one line when status != Ok
    qint64 inflatedSize = 0;   // total inflated bytes, or -1 when not worked out (see WsInflater)
    qint64 compressedSize = 0; // payload bytes fed, without the RFC 7692 7.2.2 tail
    WsInflateStatus status = WsInflateStatus::Ok;
    bool truncated = false;    // `payload` holds less than the whole message

    bool isOk() const { return status == WsInflateStatus::Ok; }
};

// Inflates the compressed messages of one direction for display (RFC 7692
// 7.2.2). One instance per direction and connection; feed it only messages
// whose first frame had RSV1 set, in order: uncompressed messages never touch
// the shared window.
//
// The preview is capped, but with context takeover the next message may refer
// back to any byte of this one, so the whole message is still inflated (the
// bytes past the cap go through a scratch buffer and are dropped). Without
// takeover each message stands alone, so inflating stops at the cap and
// `inflatedSize` is -1 for a capped message. Memory stays bounded either way:
// zlib's window plus the preview. So does the work: DEFLATE expands up to
// about 1000:1, so one compressed megabyte may hide a gigabyte; past the
// inflate limit a message is abandoned (TooLarge) and, since its window is
// then unknown, the direction's later messages report ContextLost.
class WsInflater final
{
    Q_DECLARE_TR_FUNCTIONS(WsInflater)

public:
    static constexpr qsizetype DefaultOutputCap = 64 * 1024;
    static constexpr qint64 DefaultInflateLimit = 64 * 1024 * 1024;

    // `params` are the promises of the side that compresses this direction
    // (WsDeflateParams::client for client-to-server messages).
    explicit WsInflater(WsDeflateDirectionParams params = {}, qsizetype outputCap = DefaultOutputCap);
    ~WsInflater();
    Q_DISABLE_COPY_MOVE(WsInflater)

    const WsDeflateDirectionParams &params() const { return m_params; }
    // Applies from the next message on.
    void setOutputCap(qsizetype bytes) { m_cap = qMax<qsizetype>(0, bytes); }
    qsizetype outputCap() const { return m_cap; }
    // Most bytes one message may inflate to before it is abandoned.
    void setInflateLimit(qint64 bytes) { m_limit = qMax<qint64>(0, bytes); }
    qint64 inflateLimit() const { return m_limit; }

    // The next piece of the current message's (unmasked) payload: a whole
    // frame, part of one, or several fragments' worth; the first call begins
    // a message. Pieces may be split anywhere.
    void feed(QByteArrayView compressed);
    // Ends the message: appends 0x00 0x00 0xff 0xff (RFC 7692 7.2.2),
    // inflates what is left and hands over the result.
    WsInflateResult finish();
    // feed() then finish() for a message that is in one piece.
    WsInflateResult inflateMessage(QByteArrayView compressed);

    // True once a message failed while the window was shared: every later
    // message of this direction reports ContextLost without being inflated.
    bool contextLost() const { return m_contextLost; }
    bool inMessage() const { return m_inMessage; }

private:
    struct Stream;

    void beginMessage();
    void run(const uchar *data, qsizetype len);
    void fail(const QString &error);

    std::unique_ptr<Stream> m_stream; // zlib state, created on first use
    WsDeflateDirectionParams m_params;
    qsizetype m_cap;
    qint64 m_limit = DefaultInflateLimit;
    WsInflateResult m_result;         // the message in progress
    std::array<uchar, 4> m_lastBytes{}; // the message's last four bytes so far
    bool m_inMessage = false;
    bool m_streamEnded = false;       // this message carried a final (BFINAL) block
    bool m_stopped = false;           // capped without takeover: the rest is not inflated
    bool m_contextLost = false;
};
