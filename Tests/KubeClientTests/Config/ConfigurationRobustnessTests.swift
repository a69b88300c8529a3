import Testing
@testable import KubeClient

/// Configuration the plugin reads from its environment and kubeconfig never crashes it, never hangs it and never
/// repeats a credential in an error: each case here crashed, or was misread, before.
@Suite struct ConfigurationRobustnessTests {
    static let api = KubeConfig(scheme: .https, host: "172.30.0.1", port: 443, source: "t")

    static func proxy(_ url: String) throws(KubeAPIError) -> ProxyServer? {
        try ProxySelection(environment: ["HTTPS_PROXY": url]).proxy(for: api)
    }

    @Test("proxy URLs with empty or percent-encoded credentials parse as Go's url.Parse reads them", arguments: [
        ("http://:@proxy:3128", "proxy", 3128, "Basic Og=="),  // was a crash (index out of range)
        ("http://@proxy:3128", "proxy", 3128, "Basic Og=="),  // was read as host "@proxy"
        ("http://user@proxy:3128", "proxy", 3128, "Basic dXNlcjo="),
        ("http://us%40er:p%3Ass%2F@proxy.corp:8080", "proxy.corp", 8080, "Basic " + Base64.encode(Array("us@er:p:ss/".utf8))),
        ("http://user:pa:ss@proxy:3128/", "proxy", 3128, "Basic " + Base64.encode(Array("user:pa:ss".utf8))),
    ])
    func credentials(url: String, host: String, port: Int, authorization: String) throws {
        #expect(try Self.proxy(url) == ProxyServer(host: host, port: port, authorization: authorization))
    }

    @Test("an https:// proxy, a broken escape or no host is a configuration error that does not repeat the credentials", arguments: [
        ("https://admin:s3cret@proxy:3128", "only http:// proxies are supported"),
        ("http://admin:s3cret%zz@proxy:3128", "invalid percent-encoding"),
        ("http://admin:s3cret@", "is not a proxy URL"),
    ])
    func refused(url: String, reason: String) {
        do {
            _ = try Self.proxy(url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect("\(error)".contains(reason), "\(error)")
            #expect(!"\(error)".contains("s3cret") && !"\(error)".contains("admin"), "\(error)")
        }
    }

    @Test("timeout, QPS and burst out of range, infinite or not numbers keep their defaults and say why", arguments: [
        ("TEST_API_TIMEOUT", "99999999999"),  // was an integer overflow trap
        ("TEST_API_TIMEOUT", "inf"), ("TEST_API_TIMEOUT", "nan"),
        ("TEST_API_TIMEOUT", "-5"), ("TEST_API_TIMEOUT", "thirty"),
        ("TEST_API_QPS", "1e-300"), ("TEST_API_QPS", "inf"),
        ("TEST_API_BURST", "0"), ("TEST_API_BURST", "99999999999999999999"),
    ])
    func invalidTunables(name: String, value: String) {
        let options = KubeClientOptions(environment: [name: value], names: testVariables)
        let defaults = KubeClientOptions()
        #expect(options.requestTimeout == defaults.requestTimeout)
        #expect(options.queriesPerSecond == defaults.queriesPerSecond && options.burst == defaults.burst)
        #expect(options.problems.count == 1 && options.problems[0].hasPrefix("\(name)=\(value) is not a"), "\(options.problems)")
    }

    @Test("valid tunables are taken, with spaces around them")
    func validTunables() {
        let options = KubeClientOptions(
            environment: ["TEST_API_TIMEOUT": " 2.5 ", "TEST_API_QPS": "50", "TEST_API_BURST": "75"], names: testVariables)
        #expect(options.requestTimeout == .milliseconds(2500) && options.queriesPerSecond == 50 && options.burst == 75)
        #expect(options.problems.isEmpty)
    }

    @Test("a kubeconfig nested 200,000 levels deep is an error, not a stack overflow", arguments: [
        "clusters: " + String(repeating: "[", count: 200_000) + "\n",  // flow sequences: was unbounded recursion
        "clusters: " + String(repeating: "{a: ", count: 200_000) + "\n",
        "clusters:\n" + String(repeating: "- ", count: 200_000) + "x\n",  // block sequences opened on one line
    ])
    func deepNesting(text: String) {
        do {
            _ = try KubeconfigYAML.parse(text)
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("nesting deeper than 64 levels"), "\(error)")
        }
    }

    @Test("a malformed flow mapping does not put its text into the error (`{token:abc}` is one plain scalar without ': ')")
    func noValuesInErrors() {
        for text in ["users: [{name: u, user: {token:abc123}}]\n", "users: [{name: u, user: {[abc123]: x}}]\n"] {
            do {
                _ = try KubeconfigYAML.parse(text)
                Issue.record("accepted: \(text)")
            } catch {
                #expect(!"\(error)".contains("abc123"), "\(error)")
            }
        }
    }

    /// client-go refuses a CA together with `insecure-skip-tls-verify` (transport.TLSConfigFor), and so does this
    /// client; `tls-server-name` and `proxy-url`, which this client does not implement, are refused by name instead
    /// of being ignored.
    @Test(arguments: [
        ("insecure-skip-tls-verify: true\n    certificate-authority-data: LS0tLQ==", "cluster c: specifying a root certificates file with the insecure flag is not allowed"),
        ("tls-server-name: api.internal", "clusters[c].tls-server-name is not supported by this plugin"),
        ("proxy-url: http://proxy:3128", "clusters[c].proxy-url is not supported by this plugin"),
    ])
    func clusterFieldsThisClientDoesNotHonourAreRefused(field: String, message: String) {
        let text = """
            apiVersion: v1
            kind: Config
            current-context: x
            contexts:
            - name: x
              context: {cluster: c, user: u}
            clusters:
            - name: c
              cluster:
                server: https://10.0.0.1:6443
                \(field)
            users:
            - name: u
              user: {token: abc}
            """
        do {
            _ = try KubeConfigLoader(environment: [:]).parseKubeconfig(text + "\n", file: "kc")
            Issue.record("accepted: \(field)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
            #expect(!"\(error)".contains("abc"))
        }
    }
}

/// Variable names of the tests' own choosing: the client reads whichever names its user gives it.
let testVariables = KubeClientOptions.VariableNames(
    requestTimeout: "TEST_API_TIMEOUT", queriesPerSecond: "TEST_API_QPS", burst: "TEST_API_BURST")
