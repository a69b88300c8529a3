/// Go's proxy rules as OADP users expect them: `HTTPS_PROXY` (or `HTTP_PROXY` for http servers) unless `NO_PROXY`
/// matches the API server's host — `*`, an exact host or IP, a domain suffix (`.svc`, `cluster.local`), or an IPv4
/// CIDR (`172.30.0.0/16`). Lower-case variable names count too.
struct ProxySelection {
    let environment: [String: String]

    func value(_ name: String) -> String? {
        for key in [name, name.lowercased()] { if let value = environment[key], !value.isEmpty { return value } }
        return nil
    }

    /// The proxy for the API server, `nil` for a direct connection. User information is percent-decoded, as Go's
    /// `url.Parse` does (`http://user:p%40ss@proxy:3128`); empty user or password are allowed, and any `@` in the
    /// authority means credentials are sent (Go sends `Proxy-Authorization` whenever the URL has user information).
    /// A proxy this client cannot speak to is a configuration error, never a silent downgrade: an `https://` proxy
    /// (TLS to the proxy itself) or a URL that does not parse. Errors never repeat the credentials.
    func proxy(for config: KubeConfig) throws(KubeAPIError) -> ProxyServer? {
        let name = config.scheme == .https ? "HTTPS_PROXY" : "HTTP_PROXY"
        guard let raw = value(name), !bypass(config.host) else { return nil }
        var text = raw
        if !text.contains("://") { text = "http://" + text }
        guard let schemeEnd = text.firstRange(of: "://")?.upperBound else {
            throw KubeAPIError.configuration(reason: "\(name) is not a proxy URL")
        }
        let scheme = text[..<schemeEnd].lowercased()
        let authorityEnd = text[schemeEnd...].firstIndex(of: "/") ?? text.endIndex
        var authorization: String?
        if let at = text[schemeEnd..<authorityEnd].lastIndex(of: "@") {
            let userinfo = text[schemeEnd..<at]
            let separator = userinfo.firstIndex(of: ":")
            guard let user = Self.percentDecoded(userinfo[..<(separator ?? userinfo.endIndex)]),
                let password = Self.percentDecoded(separator.map { userinfo[userinfo.index(after: $0)...] } ?? "")
            else {
                throw KubeAPIError.configuration(reason: "\(name): the proxy URL's user information has an invalid percent-encoding")
            }
            authorization = "Basic " + Base64.encode((user + ":" + password).utf8)
            text = String(text[..<schemeEnd]) + String(text[text.index(after: at)...])
        }
        guard let endpoint = KubeConfig.parseServer(text.replacingPrefix("https://", with: "http://")), !endpoint.host.isEmpty else {
            throw KubeAPIError.configuration(reason: "\(name) is not a proxy URL of the form http://[user:password@]host[:port]")
        }
        guard scheme == "http://" else {
            throw KubeAPIError.configuration(
                reason: "\(name) names a \(scheme) proxy (\(endpoint.host):\(endpoint.port)); only http:// proxies are supported (TLS to the API server goes through the proxy's CONNECT tunnel)")
        }
        return ProxyServer(host: endpoint.host, port: endpoint.port, authorization: authorization)
    }

    /// `%XX` escapes decoded to UTF-8; `nil` for a malformed escape or bytes that are not UTF-8.
    static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    func bypass(_ host: String) -> Bool {
        guard let list = value("NO_PROXY") else { return false }
        for entry in list.split(separator: ",").map({ $0.filter { !$0.isWhitespace } }) where !entry.isEmpty {
            if entry == "*" || entry == host { return true }
            if entry.contains("/"), Self.ipv4(host, inCIDR: entry) { return true }
            let suffix = entry.hasPrefix(".") ? entry : "." + entry
            if host.hasSuffix(suffix) { return true }
        }
        return false
    }

    static func ipv4(_ text: String) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let byte = UInt8(part) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        return value
    }

    static func ipv4(_ host: String, inCIDR cidr: String) -> Bool {
        let pieces = cidr.split(separator: "/")
        guard pieces.count == 2, let network = ipv4(String(pieces[0])), let bits = Int(pieces[1]), (0...32).contains(bits),
            let address = ipv4(host)
        else { return false }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << (32 - bits)
        return address & mask == network & mask
    }
}

private extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
