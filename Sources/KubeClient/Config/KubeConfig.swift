/// Where the API server is and how to authenticate: the result of client-go's default loading rules
/// (`KubeConfigLoader`). Holds credentials: never log or print it.
public struct KubeConfig: Sendable, Equatable {
    public enum Scheme: String, Sendable { case http, https }

    public var scheme: Scheme
    /// Host name or IP address (IPv6 without brackets).
    public var host: String
    public var port: Int
    /// Path prefix of the server URL (usually empty).
    public var pathPrefix: String
    /// PEM bytes of the CA bundle to trust; `nil` = the platform's default trust roots.
    public var certificateAuthority: [UInt8]?
    /// The file `certificateAuthority` came from when it can change under a running process (the in-cluster
    /// service account's `ca.crt`, rewritten on CA rotation): the client reads it again as it does the token.
    public var certificateAuthorityFile: String?
    /// `insecure-skip-tls-verify: true` in a kubeconfig; never set implicitly.
    public var insecureSkipTLSVerify: Bool
    public var credentials: Credentials
    /// The context's namespace (informational).
    public var namespace: String?
    /// Where this came from, for messages: `in-cluster`, `/home/u/.kube/config (context kind-kind)`.
    public var source: String

    public enum Credentials: Sendable, Equatable {
        case none
        /// A bearer token given inline.
        case token(String)
        /// A bearer token read from a file and re-read when it rotates (bound service-account tokens).
        case tokenFile(path: String)
        /// A client certificate and key, PEM.
        case clientCertificate(certificate: [UInt8], key: [UInt8])
    }

    public init(
        scheme: Scheme, host: String, port: Int, pathPrefix: String = "", certificateAuthority: [UInt8]? = nil,
        insecureSkipTLSVerify: Bool = false, credentials: Credentials = .none, namespace: String? = nil,
        source: String, certificateAuthorityFile: String? = nil
    ) {
        self.certificateAuthorityFile = certificateAuthorityFile
        self.scheme = scheme
        self.host = host
        self.port = port
        self.pathPrefix = pathPrefix
        self.certificateAuthority = certificateAuthority
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.credentials = credentials
        self.namespace = namespace
        self.source = source
    }

    /// `https://host:port` with IPv6 hosts in brackets.
    public var baseURL: String {
        let hostPart = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(hostPart):\(port)\(pathPrefix)"
    }

    /// Parses a kubeconfig `server:` value: `https://10.0.0.1:6443`, `https://[fd00::1]:443/prefix`, `http://h`.
    public static func parseServer(_ server: String) -> (scheme: Scheme, host: String, port: Int, path: String)? {
        var rest = Substring(server)
        let scheme: Scheme
        if rest.hasPrefix("https://") {
            scheme = .https
            rest = rest.dropFirst(8)
        } else if rest.hasPrefix("http://") {
            scheme = .http
            rest = rest.dropFirst(7)
        } else {
            return nil
        }
        let pathStart = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<pathStart]
        var path = String(rest[pathStart...])
        while path.hasSuffix("/") { path.removeLast() }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else {
            if let colon = authority.lastIndex(of: ":") {
                portText = authority[authority.index(after: colon)...]
                authority = authority[..<colon]
            }
            host = authority
        }
        guard !host.isEmpty else { return nil }
        let port: Int
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { return nil }
            port = value
        } else {
            port = scheme == .https ? 443 : 80
        }
        return (scheme, String(host), port, path)
    }
}
