import NIOSSL

/// Where requests go: one API server, over TLS or not, directly or through an HTTP proxy.
struct HTTPRoute: Sendable {
    var host: String
    var port: Int
    /// `nil` for plain HTTP.
    var tls: NIOSSLContext?
    var proxy: ProxyServer?
    /// The host's address bytes when it is an address literal reached through a proxy: the certificate is checked
    /// against them by `PeerAddressCheck`, not against the socket's peer (the proxy).
    var verifiedPeerAddress: [UInt8]?

    /// `Host` header value: IPv6 literals in brackets, the port always given.
    var authority: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

    /// A literal address cannot be sent as SNI; NIOSSL then checks the certificate against the address dialled.
    var isAddressLiteral: Bool { host.contains(":") || ProxySelection.ipv4(host) != nil }
}

/// An HTTP proxy chosen by `ProxySelection`: CONNECT tunnels for an https API, absolute-form requests for http.
struct ProxyServer: Sendable, Equatable {
    var host: String
    var port: Int
    /// `Proxy-Authorization` value (`Basic …`) from the proxy URL's user information.
    var authorization: String?
}
