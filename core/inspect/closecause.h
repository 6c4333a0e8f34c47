#pragma once

// Why a connection ended; every close records exactly one.
enum class CloseCause {
    None,
    ClientClosed,      // client sent FIN (or the exchange ended and it left)
    UpstreamClosed,    // upstream sent FIN
    ClientError,       // reset or socket error on the client side
    UpstreamError,     // reset or socket error on the upstream side
    ReadTimeout,       // proxy_read_timeout: no data for too long
    SendTimeout,       // proxy_send_timeout: a peer stopped reading
    HeaderTimeout,     // client_header_timeout
    KeepaliveTimeout,  // idle keep-alive connection
    BadRequest,        // 4xx answered by the proxy
    UpstreamFailure,   // 5xx answered by the proxy (refused, timeout, bad response)
    Drain,             // shutdown drain ended the connection
    PingTimeout,       // a peer did not answer the proxy's keepalive ping
    ProtocolError,     // the WebSocket stream broke the rules beyond repair
    Injected,          // a close frame sent from the inspector ended it
    Completed,         // an HTTP exchange finished and the connection closed normally
    TlsError,          // the client's TLS handshake failed (see the close detail)
};

// The short name captures, logs and the window show ("client closed", "read timeout", ...).
const char *closeCauseName(CloseCause cause);
