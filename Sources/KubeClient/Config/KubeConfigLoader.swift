import LosslessJSON

/// client-go's default loading rules: `$KUBECONFIG` (the first file of the list that exists), then
/// `~/.kube/config`, then the in-cluster service account. Every failure names the file, context or field.
public struct KubeConfigLoader: Sendable {
    /// Where the in-cluster service account is mounted (injectable for tests).
    public var serviceAccountDirectory: String
    public var environment: [String: String]

    public static let defaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    public init(environment: [String: String], serviceAccountDirectory: String = Self.defaultServiceAccountDirectory) {
        self.environment = environment
        self.serviceAccountDirectory = serviceAccountDirectory
    }

    public func load() throws(KubeAPIError) -> KubeConfig {
        var tried: [String] = []
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let files = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            if let file = files.first(where: ConfigFiles.exists) { return try loadKubeconfig(file) }
            tried.append("KUBECONFIG=\(list) (no such file)")
        } else {
            tried.append("KUBECONFIG not set")
        }
        if let home = environment["HOME"], !home.isEmpty {
            let file = (home.hasSuffix("/") ? home : home + "/") + ".kube/config"
            if ConfigFiles.exists(file) { return try loadKubeconfig(file) }
            tried.append("\(file) missing")
        }
        return try loadInCluster(alsoTried: tried)
    }

    // MARK: - In cluster

    public func loadInCluster(alsoTried: [String] = []) throws(KubeAPIError) -> KubeConfig {
        let context = alsoTried.isEmpty ? "" : " (\(alsoTried.joined(separator: ", ")))"
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let portText = environment["KUBERNETES_SERVICE_PORT"], !portText.isEmpty
        else {
            throw .configuration(
                reason: "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set\(context)")
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw .configuration(reason: "KUBERNETES_SERVICE_PORT=\(portText) is not a port number")
        }
        let tokenPath = serviceAccountDirectory + "/token"
        let caPath = serviceAccountDirectory + "/ca.crt"
        guard ConfigFiles.exists(tokenPath) else {
            throw .configuration(reason: "in-cluster service account token \(tokenPath) is missing")
        }
        let ca: [UInt8]
        do {
            ca = try ConfigFiles.read(caPath)
        } catch {
            throw .configuration(reason: "in-cluster CA: \(error)")
        }
        let namespace = (try? ConfigFiles.read(serviceAccountDirectory + "/namespace")).map(ConfigFiles.trimmed)
        // Brackets for IPv6 are added by KubeConfig.baseURL; KUBERNETES_SERVICE_HOST has none.
        return KubeConfig(
            scheme: .https, host: host, port: port, certificateAuthority: ca, credentials: .tokenFile(path: tokenPath),
            namespace: namespace, source: "in-cluster service account", certificateAuthorityFile: caPath)
    }

    // MARK: - kubeconfig

    public func loadKubeconfig(_ file: String) throws(KubeAPIError) -> KubeConfig {
        let text: String
        do {
            text = String(decoding: try ConfigFiles.read(file), as: UTF8.self)
        } catch let error as KubeAPIError {
            throw error
        } catch {
            throw .configuration(reason: "kubeconfig \(file): \(error)")
        }
        return try parseKubeconfig(text, file: file)
    }

    /// Parses kubeconfig text (`file` names it in errors; relative paths in it are relative to `file`'s folder).
    public func parseKubeconfig(_ text: String, file: String) throws(KubeAPIError) -> KubeConfig {
        let root: JSONValue
        do {
            root = try KubeconfigYAML.parse(text)
        } catch {
            throw .configuration(reason: "kubeconfig \(file) is not valid YAML: \(error)")
        }
        if root.isNull { throw .configuration(reason: "kubeconfig \(file) is empty") }
        let document = KubeconfigDocument(root: root, file: file)
        return try document.resolve(environment: environment)
    }
}

/// One parsed kubeconfig file and the rules for picking its current context.
struct KubeconfigDocument {
    let root: JSONValue
    let file: String

    func fail(_ message: String) -> KubeAPIError { .configuration(reason: "kubeconfig \(file): \(message)") }

    func named(_ list: String, _ name: String, entry: String) throws(KubeAPIError) -> JSONValue {
        guard let items = root[list]?.arrayValue else { throw fail("no \(list) list") }
        for item in items where item["name"]?.text == name {
            guard let body = item[entry], body.objectValue != nil else { throw fail("\(list) entry \(name) has no \(entry)") }
            return body
        }
        throw fail("\(list) has no entry named \(name)")
    }

    func resolve(environment: [String: String]) throws(KubeAPIError) -> KubeConfig {
        guard root.objectValue != nil else { throw fail("the document is not a mapping") }
        guard let contextName = root["current-context"]?.text, !contextName.isEmpty else {
            throw fail("current-context is not set")
        }
        let context = try named("contexts", contextName, entry: "context")
        guard let clusterName = context["cluster"]?.text else { throw fail("context \(contextName) names no cluster") }
        let cluster = try named("clusters", clusterName, entry: "cluster")
        let userName = context["user"]?.text
        let user = try userName.map { name throws(KubeAPIError) in try named("users", name, entry: "user") }

        guard let server = cluster["server"]?.text, let endpoint = KubeConfig.parseServer(server) else {
            throw fail("cluster \(clusterName): server is missing or not an http(s) URL")
        }
        let insecure = cluster["insecure-skip-tls-verify"]?.boolValue ?? false
        let ca = try bytes(
            data: cluster["certificate-authority-data"]?.text, path: cluster["certificate-authority"]?.text,
            field: "clusters[\(clusterName)].certificate-authority")
        // client-go refuses the pair in transport.TLSConfigFor (a CA would be ignored, which hides a mistake).
        if insecure && ca != nil {
            throw fail("cluster \(clusterName): specifying a root certificates file with the insecure flag is not allowed")
        }
        // Fields that change where or how the plugin connects are refused by name rather than ignored: a connection
        // to the wrong address, or verified against the wrong name, would look like an unrelated TLS or network error.
        for unsupported in ["tls-server-name", "proxy-url"] where cluster[unsupported] != nil {
            throw fail("clusters[\(clusterName)].\(unsupported) is not supported by this plugin; use the server name in the certificate or HTTPS_PROXY")
        }
        let credentials = try self.credentials(user, userName: userName ?? "")
        return KubeConfig(
            scheme: endpoint.scheme, host: endpoint.host, port: endpoint.port, pathPrefix: endpoint.path,
            certificateAuthority: ca, insecureSkipTLSVerify: insecure, credentials: credentials,
            namespace: context["namespace"]?.text, source: "\(file) (context \(contextName))")
    }

    private func credentials(_ user: JSONValue?, userName: String) throws(KubeAPIError) -> KubeConfig.Credentials {
        guard let user else { return .none }
        let field = "users[\(userName)]"
        // Unsupported mechanisms are refused by name instead of silently sending unauthenticated requests.
        for unsupported in ["exec", "auth-provider", "username", "password", "as", "impersonate"] where user[unsupported] != nil {
            throw fail("\(field).\(unsupported) is not supported by this plugin; use a token, tokenFile or client certificate")
        }
        if let token = user["token"]?.text, !token.isEmpty { return .token(token) }
        if let tokenFile = user["tokenFile"]?.text, !tokenFile.isEmpty {
            return .tokenFile(path: ConfigFiles.resolve(tokenFile, relativeTo: file))
        }
        let certificate = try bytes(
            data: user["client-certificate-data"]?.text, path: user["client-certificate"]?.text,
            field: "\(field).client-certificate")
        let key = try bytes(data: user["client-key-data"]?.text, path: user["client-key"]?.text, field: "\(field).client-key")
        switch (certificate, key) {
        case (let certificate?, let key?): return .clientCertificate(certificate: certificate, key: key)
        case (nil, nil): return .none
        default: throw fail("\(field) needs both a client certificate and a client key")
        }
    }

    /// `*-data` (base64) wins over the path form, like client-go.
    private func bytes(data: String?, path: String?, field: String) throws(KubeAPIError) -> [UInt8]? {
        if let data, !data.isEmpty {
            let compact = data.filter { !$0.isWhitespace }
            guard let decoded = Base64.decode(compact) else { throw fail("\(field)-data is not valid base64") }
            return decoded
        }
        if let path, !path.isEmpty {
            let resolved = ConfigFiles.resolve(path, relativeTo: file)
            do {
                return try ConfigFiles.read(resolved)
            } catch {
                throw fail("\(field): \(error)")
            }
        }
        return nil
    }
}

private extension JSONValue {
    subscript(key: String) -> JSONValue? { objectValue?[key] }

    /// A scalar as text, as YAML readers hand kubeconfig fields over (`name: 1` names the entry "1").
    var text: String? {
        switch self {
        case .string(let value): value
        case .number(let number): number.literal
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }
}
