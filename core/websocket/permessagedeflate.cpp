#include "websocket/permessagedeflate.h"

#include "http/httpheaders.h"

#include <algorithm>

#include <zlib.h>

namespace {

// RFC 9110 5.6.2: tchar.

class ExtensionLexer
{
public:
    explicit ExtensionLexer(QByteArrayView text) : m_text(text) {}

    qsizetype pos() const { return m_pos; }
    bool atEnd() const { return m_pos >= m_text.size(); }
    char peek() const { return atEnd() ? '\0' : m_text[m_pos]; }
    void advance() { ++m_pos; }

    void skipSpace()
    {
        while (!atEnd() && (m_text[m_pos] == ' ' || m_text[m_pos] == '\t'))
            ++m_pos;
    }

    QByteArrayView token()
    {
        const qsizetype start = m_pos;
        while (!atEnd() && isHttpTokenChar(m_text[m_pos]))
            ++m_pos;
        return m_text.sliced(start, m_pos - start);
    }

    // RFC 9110 5.6.4: DQUOTE *( qdtext / quoted-pair ) DQUOTE, at a '"'.
    bool quotedString(QByteArray *out)
    {
        advance();
        while (!atEnd()) {
            const char c = m_text[m_pos++];
            if (c == '"')
                return true;
            if (c == '\\') {
                if (atEnd())
                    return false;
                out->append(m_text[m_pos++]); // quoted-pair
                continue;
            }
            if ((uchar(c) < 0x20 && c != '\t') || c == 0x7f)
                return false;
            out->append(c);
        }
        return false;
    }

private:
    QByteArrayView m_text;
    qsizetype m_pos = 0;
};

// RFC 7692 7.1.2.1/7.1.2.2: "a decimal integer value without leading zeroes
// between 8 and 15, inclusive".
std::optional<int> windowBits(const QByteArray &value)
{
    if (value.size() == 1 && value[0] >= '8' && value[0] <= '9')
        return value[0] - '0';
    if (value.size() == 2 && value[0] == '1' && value[1] >= '0' && value[1] <= '5')
        return 10 + (value[1] - '0');
    return std::nullopt;
}

enum class Param : quint8 {
    ServerNoContextTakeover,
    ClientNoContextTakeover,
    ServerMaxWindowBits,
    ClientMaxWindowBits,
    Unknown,
};

Param paramKind(QByteArrayView name)
{
    if (headerNameEquals(name, "server_no_context_takeover"))
        return Param::ServerNoContextTakeover;
    if (headerNameEquals(name, "client_no_context_takeover"))
        return Param::ClientNoContextTakeover;
    if (headerNameEquals(name, "server_max_window_bits"))
        return Param::ServerMaxWindowBits;
    if (headerNameEquals(name, "client_max_window_bits"))
        return Param::ClientMaxWindowBits;
    return Param::Unknown;
}

QString latin1(QByteArrayView v)
{
    return QString::fromLatin1(v);
}

void setError(QString *error, const QString &text)
{
    if (error)
        *error = text;
}

} // namespace

// --- negotiation -----------------------------------------------------------

QByteArray WsDeflateParams::toHeaderValue() const
{
    QByteArray out(WsPerMessageDeflate::ExtensionName.data(), WsPerMessageDeflate::ExtensionName.size());
    if (server.noContextTakeover)
        out += "; server_no_context_takeover";
    if (client.noContextTakeover)
        out += "; client_no_context_takeover";
    if (server.maxWindowBits != 15)
        out += "; server_max_window_bits=" + QByteArray::number(server.maxWindowBits);
    if (client.maxWindowBits != 15)
        out += "; client_max_window_bits=" + QByteArray::number(client.maxWindowBits);
    return out;
}

std::optional<QList<WsExtension>> WsPerMessageDeflate::parseExtensions(QByteArrayView value, QString *error)
{
    QList<WsExtension> list;
    ExtensionLexer lex(value);
    const auto fail = [&](const QString &text) {
        setError(error, text);
        return std::nullopt;
    };

    for (;;) {
        lex.skipSpace();
        if (lex.atEnd())
            return list;
        if (lex.peek() == ',') { // RFC 9110 5.6.1: empty list elements are ignored
            lex.advance();
            continue;
        }
        WsExtension ext;
        ext.name = lex.token().toByteArray();
        if (ext.name.isEmpty())
            return fail(tr("expected an extension name at offset %1").arg(lex.pos()));
        for (;;) {
            lex.skipSpace();
            if (lex.atEnd() || lex.peek() == ',')
                break;
            if (lex.peek() != ';') {
                return fail(tr("unexpected '%1' at offset %2 after \"%3\"")
                                .arg(QChar::fromLatin1(lex.peek())).arg(lex.pos()).arg(latin1(ext.name)));
            }
            lex.advance();
            lex.skipSpace();
            WsExtensionParam param;
            param.name = lex.token().toByteArray();
            if (param.name.isEmpty())
                return fail(tr("expected a parameter name at offset %1 in \"%2\"").arg(lex.pos()).arg(latin1(ext.name)));
            lex.skipSpace();
            if (lex.peek() == '=') {
                lex.advance();
                lex.skipSpace();
                param.hasValue = true;
                if (lex.peek() == '"') {
                    if (!lex.quotedString(&param.value))
                        return fail(tr("unterminated quoted value of %1").arg(latin1(param.name)));
                    // RFC 6455 9.1: the unquoted value must still be a token.
                    if (!isHttpToken(param.value))
                        return fail(tr("quoted value of %1 is not a token").arg(latin1(param.name)));
                } else {
                    param.value = lex.token().toByteArray();
                    if (param.value.isEmpty())
                        return fail(tr("missing value for %1 at offset %2").arg(latin1(param.name)).arg(lex.pos()));
                }
            }
            ext.params.append(std::move(param));
        }
        list.append(std::move(ext));
    }
}

std::optional<WsPerMessageDeflate::Offer> WsPerMessageDeflate::parseOffer(const WsExtension &element, QString *error)
{
    Offer offer;
    bool seen[4] = {};
    for (const WsExtensionParam &p : element.params) {
        const Param kind = paramKind(p.name);
        if (kind == Param::Unknown) {
            setError(error, tr("unknown parameter %1").arg(latin1(p.name)));
            return std::nullopt;
        }
        if (std::exchange(seen[int(kind)], true)) { // RFC 7692 5: no parameter twice
            setError(error, tr("%1 appears twice").arg(latin1(p.name)));
            return std::nullopt;
        }
        switch (kind) {
        case Param::ServerNoContextTakeover:
        case Param::ClientNoContextTakeover:
            if (p.hasValue) { // RFC 7692 7.1.1: "MUST NOT have a value"
                setError(error, tr("%1 must not have a value").arg(latin1(p.name)));
                return std::nullopt;
            }
            (kind == Param::ServerNoContextTakeover ? offer.serverNoContextTakeover
                                                    : offer.clientNoContextTakeover) = true;
            break;
        case Param::ServerMaxWindowBits: {
            // RFC 7692 7.1.2.1: required value in an offer.
            const auto bits = p.hasValue ? windowBits(p.value) : std::nullopt;
            if (!bits) {
                setError(error, p.hasValue ? tr("server_max_window_bits=%1 is not 8..15").arg(latin1(p.value))
                                           : tr("server_max_window_bits needs a value (8..15)"));
                return std::nullopt;
            }
            offer.serverMaxWindowBits = bits;
            break;
        }
        case Param::ClientMaxWindowBits:
            // RFC 7692 7.1.2.2: a client may offer it with or without a value.
            offer.clientMaxWindowBitsAllowed = true;
            if (p.hasValue) {
                offer.clientMaxWindowBits = windowBits(p.value);
                if (!offer.clientMaxWindowBits) {
                    setError(error, tr("client_max_window_bits=%1 is not 8..15").arg(latin1(p.value)));
                    return std::nullopt;
                }
            }
            break;
        case Param::Unknown:
            break;
        }
    }
    return offer;
}

std::optional<WsDeflateParams> WsPerMessageDeflate::acceptResponse(const Offer &offer, const WsExtension &response,
                                                                   QString *error)
{
    WsDeflateParams params;
    bool seen[4] = {};
    for (const WsExtensionParam &p : response.params) {
        const Param kind = paramKind(p.name);
        // RFC 7692 5.1: the client fails the connection on an unknown
        // parameter, a repeated one or an invalid value.
        if (kind == Param::Unknown) {
            setError(error, tr("the response has an unknown parameter %1").arg(latin1(p.name)));
            return std::nullopt;
        }
        if (std::exchange(seen[int(kind)], true)) {
            setError(error, tr("the response has %1 twice").arg(latin1(p.name)));
            return std::nullopt;
        }
        switch (kind) {
        case Param::ServerNoContextTakeover:
        case Param::ClientNoContextTakeover:
            if (p.hasValue) {
                setError(error, tr("%1 must not have a value").arg(latin1(p.name)));
                return std::nullopt;
            }
            // RFC 7692 7.1.1.1/7.1.1.2: a server may add either one unasked.
            (kind == Param::ServerNoContextTakeover ? params.server : params.client).noContextTakeover = true;
            break;
        case Param::ServerMaxWindowBits: {
            const auto bits = p.hasValue ? windowBits(p.value) : std::nullopt;
            if (!bits) {
                setError(error, p.hasValue ? tr("server_max_window_bits=%1 is not 8..15").arg(latin1(p.value))
                                           : tr("server_max_window_bits needs a value (8..15)"));
                return std::nullopt;
            }
            // RFC 7692 7.1.2.1: "the same or smaller value as the offer".
            if (offer.serverMaxWindowBits && *bits > *offer.serverMaxWindowBits) {
                setError(error, tr("server_max_window_bits=%1 exceeds the client's limit of %2")
                                    .arg(*bits).arg(*offer.serverMaxWindowBits));
                return std::nullopt;
            }
            params.server.maxWindowBits = *bits;
            break;
        }
        case Param::ClientMaxWindowBits: {
            // RFC 7692 7.1.2.2: only when offered, and always with a value.
            if (!offer.clientMaxWindowBitsAllowed) {
                setError(error, tr("the response sets client_max_window_bits, which the client did not offer"));
                return std::nullopt;
            }
            const auto bits = p.hasValue ? windowBits(p.value) : std::nullopt;
            if (!bits) {
                setError(error, p.hasValue ? tr("client_max_window_bits=%1 is not 8..15").arg(latin1(p.value))
                                           : tr("client_max_window_bits needs a value (8..15) in a response"));
                return std::nullopt;
            }
            if (offer.clientMaxWindowBits && *bits > *offer.clientMaxWindowBits) {
                setError(error, tr("client_max_window_bits=%1 exceeds the client's limit of %2")
                                    .arg(*bits).arg(*offer.clientMaxWindowBits));
                return std::nullopt;
            }
            params.client.maxWindowBits = *bits;
            break;
        }
        case Param::Unknown:
            break;
        }
    }
    // RFC 7692 7.1.1.1 and 7.1.2.1: accepting an offer that asks for these
    // means repeating them.
    if (offer.serverNoContextTakeover && !params.server.noContextTakeover) {
        setError(error, tr("the client asked for server_no_context_takeover and the response does not confirm it"));
        return std::nullopt;
    }
    if (offer.serverMaxWindowBits && !seen[int(Param::ServerMaxWindowBits)]) {
        setError(error, tr("the client asked for server_max_window_bits=%1 and the response does not confirm it")
                            .arg(*offer.serverMaxWindowBits));
        return std::nullopt;
    }
    return params;
}

WsDeflateNegotiation WsPerMessageDeflate::negotiate(QByteArrayView clientExtensions, QByteArrayView serverExtensions)
{
    WsDeflateNegotiation result;

    QString error;
    QList<WsExtension> offered;
    if (auto parsed = parseExtensions(clientExtensions, &error))
        offered = *std::move(parsed);
    else
        result.offerProblems.append(tr("request Sec-WebSocket-Extensions: %1").arg(error));

    QList<Offer> offers; // the well-formed ones, with their index in `offerIndex`
    QList<int> offerIndex;
    int offerCount = 0;
    for (const WsExtension &ext : std::as_const(offered)) {
        if (!headerNameEquals(ext.name, ExtensionName))
            continue;
        if (auto offer = parseOffer(ext, &error)) {
            offers.append(*offer);
            offerIndex.append(offerCount);
        } else {
            result.offerProblems.append(tr("permessage-deflate offer %1: %2").arg(offerCount + 1).arg(error));
        }
        ++offerCount;
    }

    const auto invalid = [&](const QString &text) {
        result.status = WsDeflateNegotiation::Status::Invalid;
        result.error = text;
        return result;
    };

    const auto answered = parseExtensions(serverExtensions, &error);
    if (!answered)
        return invalid(tr("response Sec-WebSocket-Extensions: %1").arg(error));
    const WsExtension *response = nullptr;
    for (const WsExtension &ext : *answered) {
        if (!headerNameEquals(ext.name, ExtensionName))
            continue;
        // Both would claim RSV1 for themselves (RFC 7692 6).
        if (response)
            return invalid(tr("the response lists permessage-deflate more than once"));
        response = &ext;
    }

    if (!response) {
        result.status = offerCount > 0 ? WsDeflateNegotiation::Status::Declined
                                       : WsDeflateNegotiation::Status::NotOffered;
        return result;
    }
    // RFC 6455 9.1: a server may only accept what was offered.
    if (offerCount == 0)
        return invalid(tr("the server enabled permessage-deflate, which the client did not offer"));
    if (offers.isEmpty())
        return invalid(tr("the server accepted a malformed permessage-deflate offer it should have declined"));

    QString firstError;
    for (qsizetype i = 0; i < offers.size(); ++i) {
        if (auto params = acceptResponse(offers.at(i), *response, &error)) {
            result.status = WsDeflateNegotiation::Status::Accepted;
            result.params = *params;
            result.acceptedOffer = offerIndex.at(i);
            return result;
        }
        if (i == 0)
            firstError = error;
    }
    if (offers.size() == 1)
        return invalid(firstError);
    return invalid(tr("the response fits none of the client's %1 permessage-deflate offers (first: %2)")
                       .arg(offers.size()).arg(firstError));
}

// --- inflating -------------------------------------------------------------

struct WsInflater::Stream
{
    z_stream z{};
    bool initialised = false;
    bool used = false; // has inflated something since the last reset
    std::array<uchar, 16 * 1024> scratch{}; // output past the cap, discarded
};

namespace {
// RFC 7692 7.2.2.
constexpr std::array<uchar, 4> SyncTail = {0x00, 0x00, 0xff, 0xff};
// Never hand zlib more than its 32-bit counters hold.
constexpr qsizetype MaxChunk = qsizetype(1) << 30;
} // namespace

WsInflater::WsInflater(WsDeflateDirectionParams params, qsizetype outputCap)
    : m_params(params)
    , m_cap(qMax<qsizetype>(0, outputCap))
{
}

WsInflater::~WsInflater()
{
    if (m_stream && m_stream->initialised)
        inflateEnd(&m_stream->z);
}

void WsInflater::fail(const QString &error)
{
    m_result.status = WsInflateStatus::Corrupt;
    m_result.error = error;
}

void WsInflater::beginMessage()
{
    m_result = WsInflateResult();
    m_lastBytes = {};
    m_inMessage = true;
    m_streamEnded = false;
    m_stopped = false;

    if (m_contextLost) {
        m_result.status = WsInflateStatus::ContextLost;
        m_result.error = tr("cannot inflate (context lost): an earlier compressed message in this direction "
                            "failed, and later ones refer back to it");
        return;
    }
    if (!m_stream)
        m_stream = std::make_unique<Stream>();
    z_stream &z = m_stream->z;
    if (!m_stream->initialised) {
        // Raw DEFLATE (negative bits). zlib cannot write raw 256-byte windows
        // and bumps 8 to 9, so peers built on it may use 512 bytes when they
        // promised 256; a larger window reads everything a smaller one does.
        const int bits = qBound(9, m_params.maxWindowBits, 15);
        if (inflateInit2(&z, -bits) != Z_OK) {
            fail(tr("zlib could not start an inflater"));
            return;
        }
        m_stream->initialised = true;
    } else if (m_params.noContextTakeover && m_stream->used) {
        // RFC 7692 7.1.1: without takeover each message starts with an empty window.
        inflateReset(&z);
        m_stream->used = false;
    }
}

void WsInflater::feed(QByteArrayView compressed)
{
    if (!m_inMessage)
        beginMessage();
    m_result.compressedSize += compressed.size();
    for (qsizetype i = qMax<qsizetype>(0, compressed.size() - 4); i < compressed.size(); ++i) {
        std::copy(m_lastBytes.begin() + 1, m_lastBytes.end(), m_lastBytes.begin());
        m_lastBytes.back() = uchar(compressed[i]);
    }
    const auto *data = reinterpret_cast<const uchar *>(compressed.data());
    qsizetype left = compressed.size();
    while (left > 0) {
        const qsizetype chunk = qMin(left, MaxChunk);
        run(data, chunk);
        data += chunk;
        left -= chunk;
    }
}

void WsInflater::run(const uchar *data, qsizetype len)
{
    if (m_result.status != WsInflateStatus::Ok || m_stopped || m_streamEnded || len == 0)
        return;
    Stream &s = *m_stream;
    z_stream &z = s.z;
    s.used = true;
    z.next_in = const_cast<Bytef *>(data); // zlib's API predates const input
    z.avail_in = uInt(len);

    QByteArray &out = m_result.payload;
    for (;;) {
        const qsizetype room = m_cap - out.size();
        const qsizetype before = out.size();
        bool toPreview = room > 0;
        if (toPreview) {
            // Grow geometrically, never past the cap.
            const qsizetype grow = qMin(room, qMax<qsizetype>(before, 4096));
            out.resize(before + grow);
            z.next_out = reinterpret_cast<Bytef *>(out.data() + before);
            z.avail_out = uInt(grow);
        } else {
            z.next_out = s.scratch.data();
            z.avail_out = uInt(s.scratch.size());
        }
        const uInt outBefore = z.avail_out;
        const int rc = inflate(&z, Z_SYNC_FLUSH);
        const qsizetype produced = qsizetype(outBefore - z.avail_out);
        if (toPreview)
            out.resize(before + produced);
        m_result.inflatedSize += produced;
        if (!toPreview && produced > 0) {
            m_result.truncated = true;
            if (m_params.noContextTakeover) {
                // Nothing later depends on this message: stop at the cap.
                m_stopped = true;
                m_result.inflatedSize = -1;
                return;
            }
        }

        if (m_result.inflatedSize > m_limit) {
            m_result.status = WsInflateStatus::TooLarge;
            m_result.error = tr("the message inflates to more than %1 bytes; inflating stopped").arg(m_limit);
            return;
        }

        if (rc == Z_STREAM_END) {
            // A final block (BFINAL) ended the DEFLATE stream inside this
            // message; the tail appended after it carries nothing. With
            // takeover the next message may still refer back into this
            // window, so carry the window over into a fresh stream.
            m_streamEnded = true;
            if (m_params.noContextTakeover) {
                inflateReset(&z);
            } else {
                QByteArray window(qsizetype(1) << 15, Qt::Uninitialized);
                uInt windowLen = uInt(window.size());
                inflateGetDictionary(&z, reinterpret_cast<Bytef *>(window.data()), &windowLen);
                inflateReset(&z);
                inflateSetDictionary(&z, reinterpret_cast<const Bytef *>(window.constData()), windowLen);
            }
            s.used = false;
            return;
        }
        if (rc == Z_BUF_ERROR) // no progress possible: all input used, no output pending
            return;
        if (rc != Z_OK) {
            fail(z.msg ? tr("corrupt compressed data (%1)").arg(QString::fromLatin1(z.msg))
                       : tr("corrupt compressed data (zlib error %1)").arg(rc));
            return;
        }
        // Done once the input is used up and zlib did not fill the buffer
        // (a full buffer may mean more output is pending).
        if (z.avail_in == 0 && z.avail_out > 0)
            return;
    }
}

WsInflateResult WsInflater::finish()
{
    if (!m_inMessage)
        beginMessage();
    run(SyncTail.data(), qsizetype(SyncTail.size()));
    if (m_result.status == WsInflateStatus::Ok && !m_stopped && !m_streamEnded) {
        // After the tail a whole message leaves the inflater between blocks
        // (zlib's data_type bit 7); anywhere else the message was cut short.
        if (!(m_stream->z.data_type & 128)) {
            // The usual cause: a sender that left the tail on, so the one
            // appended here opens a block that never ends.
            const bool keptTail = m_result.compressedSize >= 4 && m_lastBytes == SyncTail;
            fail(keptTail ? tr("the message ends with 0x00 0x00 0xff 0xff, which the sender must remove "
                               "(RFC 7692 7.2.1); receivers read a block that never ends")
                          : tr("the compressed message ends in the middle of a DEFLATE block"));
        }
    }
    if ((m_result.status == WsInflateStatus::Corrupt || m_result.status == WsInflateStatus::TooLarge)
        && !m_params.noContextTakeover) {
        m_contextLost = true;
    }
    m_inMessage = false;
    WsInflateResult result = std::move(m_result);
    m_result = WsInflateResult();
    return result;
}

WsInflateResult WsInflater::inflateMessage(QByteArrayView compressed)
{
    feed(compressed);
    return finish();
}
