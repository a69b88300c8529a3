/// Go's proxy rules as OADP users expect them: `HTTPS_PROXY` (or `HTTP_PROXY` for http servers) unless `NO_PROXY`
/// matches the API server's host — `*`, an exact host or IP, a domain suffix (`.svc`, `cluster.local`), or an IPv4
/// CIDR (`172.30.0.0/16`). Lower-case variable names count too.
struct ProxySelection {
    let environment: [String: String]

    func value(_ name: String) -> String? {
        for key in [name, name.lowercased()] { if let value = environment[key], !value.isEmpty { return value } }
        return nil
    }

    func proxy(for config: KubeConfig) -> ProxyServer? {
        guard let raw = value(config.scheme == .https ? "HTTPS_PROXY" : "HTTP_PROXY"), !bypass(config.host) else { return nil }
        var text = raw
        if !text.contains("://") { text = "http://" + text }
        var authorization: String?
        if let at = text.lastIndex(of: "@"), let schemeEnd = text.firstRange(of: "://")?.upperBound, at > schemeEnd {
            let userinfo = String(text[schemeEnd..<at])
            let parts = userinfo.split(separator: ":", maxSplits: 1).map(String.init)
            authorization = "Basic " + Base64.encode((parts[0] + ":" + (parts.count > 1 ? parts[1] : "")).utf8)
            text = String(text[..<schemeEnd]) + String(text[text.index(after: at)...])
        }
        guard let endpoint = KubeConfig.parseServer(text.replacingPrefix("https://", with: "http://")) else { return nil }
        return ProxyServer(host: endpoint.host, port: endpoint.port, authorization: authorization)
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
