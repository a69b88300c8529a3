import FakeKubeAPI
import Foundation
import Testing
@testable import KubeClient

/// client-go's loading rules and kubeconfig variants, with files written to a scratch directory.
@Suite struct KubeConfigLoaderTests {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "kubeconfig-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func kubeconfig(server: String = "https://10.0.0.1:6443", cluster: String = "", user: String = "token: abc") -> String {
        """
        apiVersion: v1
        kind: Config
        current-context: dev
        contexts:
        - name: dev
          context: {cluster: c1, user: u1, namespace: team-a}
        clusters:
        - name: c1
          cluster:
            server: \(server)
        \(cluster.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        users:
        - name: u1
          user:
        \(user.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    @Test func tokenUserWithInlineCAData() throws {
        let ca = try TestCertificates.generate().caPEM
        let file = try write("config", kubeconfig(cluster: "certificate-authority-data: \(Data(ca).base64EncodedString())"))
        let config = try KubeConfigLoader(environment: ["KUBECONFIG": file]).load()
        #expect(config.baseURL == "https://10.0.0.1:6443")
        #expect(config.certificateAuthority == ca)
        #expect(config.credentials == .token("abc"))
        #expect(config.namespace == "team-a")
        #expect(config.source.contains("context dev"))
        #expect(!config.insecureSkipTLSVerify)
    }

    @Test func relativePathsAreResolvedAgainstTheKubeconfigsDirectory() throws {
        _ = try write("ca.pem", "CA")
        _ = try write("token", "t0k3n\n")
        let file = try write("config", kubeconfig(cluster: "certificate-authority: ca.pem", user: "tokenFile: token"))
        let config = try KubeConfigLoader(environment: ["KUBECONFIG": file]).load()
        #expect(config.certificateAuthority == Array("CA".utf8))
        #expect(config.credentials == .tokenFile(path: directory + "/token"))
    }

    @Test func clientCertificatesFromDataAndIPv6Servers() throws {
        let certificates = try TestCertificates.generate()
        let file = try write("config", kubeconfig(
            server: "https://[fd00::10]:8443/prefix/", cluster: "insecure-skip-tls-verify: true",
            user: "client-certificate-data: \(Data(certificates.clientCertificatePEM).base64EncodedString())\nclient-key-data: \(Data(certificates.clientKeyPEM).base64EncodedString())"))
        let config = try KubeConfigLoader(environment: ["KUBECONFIG": file]).load()
        #expect(config.host == "fd00::10")
        #expect(config.port == 8443)
        #expect(config.baseURL == "https://[fd00::10]:8443/prefix")
        #expect(config.insecureSkipTLSVerify)
        #expect(config.credentials == .clientCertificate(certificate: certificates.clientCertificatePEM, key: certificates.clientKeyPEM))
    }

    @Test(arguments: ["exec:\n  command: aws", "auth-provider:\n  name: gcp", "username: admin\npassword: secret"])
    func unsupportedAuthenticationIsAnErrorNamingTheField(user: String) throws {
        let file = try write("config", kubeconfig(user: user))
        #expect {
            _ = try KubeConfigLoader(environment: ["KUBECONFIG": file]).load()
        } throws: { error in
            let text = "\(error)"
            return text.contains("users[u1].") && text.contains("is not supported") && !text.contains("secret")
        }
    }

    @Test func brokenKubeconfigsNameTheFileAndWhatIsWrong() throws {
        let noContext = try write("a", "apiVersion: v1\nclusters: []\n")
        #expect(throws: KubeAPIError.configuration(reason: "kubeconfig \(noContext): current-context is not set")) {
            try KubeConfigLoader(environment: ["KUBECONFIG": noContext]).load()
        }
        let badYAML = try write("b", "current-context: [unclosed\n")
        #expect { try KubeConfigLoader(environment: ["KUBECONFIG": badYAML]).load() } throws: { "\($0)".contains("is not valid YAML") }
        let missingCluster = try write("c", "current-context: x\ncontexts:\n- name: x\n  context: {cluster: nope, user: u}\nclusters: []\nusers: []\n")
        #expect { try KubeConfigLoader(environment: ["KUBECONFIG": missingCluster]).load() } throws: { "\($0)".contains("clusters has no entry named nope") }
        let badServer = try write("d", kubeconfig(server: "ftp://x"))
        #expect { try KubeConfigLoader(environment: ["KUBECONFIG": badServer]).load() } throws: { "\($0)".contains("server is missing or not an http(s) URL") }
    }

    @Test func loadingOrderIsKubeconfigListThenHomeThenInCluster() throws {
        let file = try write("config", kubeconfig())
        // the first existing file of the list wins
        let fromList = try KubeConfigLoader(environment: ["KUBECONFIG": "/nonexistent/a:\(file)", "HOME": "/nonexistent"]).load()
        #expect(fromList.source.hasPrefix(file))
        // ~/.kube/config when KUBECONFIG is unset
        let home = directory + "/home"
        try FileManager.default.createDirectory(atPath: home + "/.kube", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: home + "/.kube/config")
        #expect(try KubeConfigLoader(environment: ["HOME": home]).load().source.hasPrefix(home + "/.kube/config"))
        // nothing at all: the error lists what was tried
        #expect {
            try KubeConfigLoader(environment: ["HOME": "/nonexistent"], serviceAccountDirectory: directory + "/none").load()
        } throws: { error in
            let text = "\(error)"
            return text.contains("KUBERNETES_SERVICE_HOST") && text.contains("KUBECONFIG not set") && text.contains("/nonexistent/.kube/config missing")
        }
    }

    @Test func inClusterUsesTheServiceAccountFilesAndBracketsIPv6() throws {
        let sa = directory + "/sa"
        try FileManager.default.createDirectory(atPath: sa, withIntermediateDirectories: true)
        try "tok".write(toFile: sa + "/token", atomically: true, encoding: .utf8)
        try "CA".write(toFile: sa + "/ca.crt", atomically: true, encoding: .utf8)
        try "velero\n".write(toFile: sa + "/namespace", atomically: true, encoding: .utf8)
        let config = try KubeConfigLoader(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00:10:96::1", "KUBERNETES_SERVICE_PORT": "443"],
            serviceAccountDirectory: sa).load()
        #expect(config.baseURL == "https://[fd00:10:96::1]:443")
        #expect(config.credentials == .tokenFile(path: sa + "/token"))
        #expect(config.certificateAuthority == Array("CA".utf8))
        #expect(config.namespace == "velero")
        #expect(throws: KubeAPIError.self) {
            try KubeConfigLoader(
                environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                serviceAccountDirectory: directory + "/empty").load()
        }
    }

    @Test(arguments: [
        ("https://10.0.0.1:6443", "10.0.0.1", 6443, ""), ("https://api.example.com", "api.example.com", 443, ""),
        ("http://127.0.0.1:8080/k8s", "127.0.0.1", 8080, "/k8s"), ("https://[::1]", "::1", 443, ""),
    ])
    func serverURLs(server: String, host: String, port: Int, path: String) throws {
        let parsed = try #require(KubeConfig.parseServer(server))
        #expect(parsed.host == host && parsed.port == port && parsed.path == path)
    }

    @Test func noProxyRulesFollowGo() throws {
        let proxy = ProxySelection(environment: ["HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "localhost,.svc,10.96.0.0/12,api.example.com"])
        #expect(proxy.bypass("10.96.0.1"))
        #expect(proxy.bypass("kubernetes.default.svc"))
        #expect(proxy.bypass("api.example.com"))
        #expect(!proxy.bypass("172.30.0.1"))
        let config = KubeConfig(scheme: .https, host: "172.30.0.1", port: 443, source: "t")
        #expect(try proxy.proxy(for: config) != nil)
        #expect(try ProxySelection(environment: [:]).proxy(for: config) == nil)
        #expect(try ProxySelection(environment: ["https_proxy": "proxy:3128", "no_proxy": "*"]).proxy(for: config) == nil)
    }

    @Test func proxyCredentialsBecomeABasicAuthorization() throws {
        let config = KubeConfig(scheme: .https, host: "172.30.0.1", port: 443, source: "t")
        let proxy = try #require(try ProxySelection(environment: ["HTTPS_PROXY": "http://user:pass@proxy.corp:3128"]).proxy(for: config))
        #expect(proxy == ProxyServer(host: "proxy.corp", port: 3128, authorization: "Basic dXNlcjpwYXNz"))
        #expect(try ProxySelection(environment: ["HTTPS_PROXY": "proxy.corp:8080"]).proxy(for: config)?.authorization == nil)
    }

    @Test func base64IsTheStandardPaddedAlphabet() {
        #expect(Base64.encode(Array("user:pass".utf8)) == "dXNlcjpwYXNz")
        #expect(Base64.encode(Array("a".utf8)) == "YQ==")
        #expect(Base64.encode(Array("ab".utf8)) == "YWI=")
        #expect(Base64.encode([UInt8]()) == "")
        let everyByte = (0...255).map { UInt8($0) }
        for length in [0, 1, 2, 3, 4, 5, 255, 256] {
            #expect(Base64.decode(Base64.encode(everyByte.prefix(length))) == Array(everyByte.prefix(length)))
        }
        #expect(Base64.decode("+/+/") == [0xFB, 0xFF, 0xBF])
        for invalid in ["YQ", "Y===", "YQ=a", "YQ==YQ==", "Y!==", "YWJj\n", "-_-_"] {
            #expect(Base64.decode(invalid) == nil, "\(invalid)")
        }
    }
}
