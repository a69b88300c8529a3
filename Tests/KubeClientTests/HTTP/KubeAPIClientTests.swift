import FakeKubeAPI
import Foundation
import LosslessJSON
import NIOCore
import NIOPosix
import Testing
@testable import KubeClient

/// The client against a real HTTPS server on loopback (FakeKubeAPI, certificates generated per test): no mock of
/// the HTTP layer.
@Suite struct KubeAPIClientTests {
    struct Fixture {
        let server: FakeKubeAPIServer
        let client: KubeAPIClient
        let port: Int
        let certificates: TestCertificates
        let tokenFile: String
    }

    static let podRequest = RequestDescription(verb: "list", resource: "pods", namespace: "ns")
    static let vmiRequest = RequestDescription(verb: "get", resource: "virtualmachineinstances.kubevirt.io", namespace: "ns", name: "vm1")

    static func pod(_ name: String, domain: String, labels: String = #""kubevirt.io":"virt-launcher""#) -> [UInt8] {
        Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"\#(name)","namespace":"ns","labels":{\#(labels)},"annotations":{"kubevirt.io/domain":"\#(domain)"}}}"#.utf8)
    }

    func start(options: KubeClientOptions = fastOptions(), token: String = "secret-token-1", trust: [UInt8]? = nil) async throws -> Fixture {
        let certificates = try TestCertificates.generate()
        let server = FakeKubeAPIServer(tls: certificates.serverTLS)
        let port = try await server.start()
        server.requireToken(token)
        let tokenFile = NSTemporaryDirectory() + "token-" + UUID().uuidString
        try token.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let config = KubeConfig(
            scheme: .https, host: "127.0.0.1", port: port, certificateAuthority: trust ?? certificates.caPEM,
            credentials: .tokenFile(path: tokenFile), source: "test")
        return Fixture(server: server, client: try KubeAPIClient(config: config, options: options), port: port, certificates: certificates, tokenFile: tokenFile)
    }

    static func fastOptions() -> KubeClientOptions {
        var options = KubeClientOptions()
        options.initialBackoff = .milliseconds(5)
        options.maxBackoff = .milliseconds(20)
        options.requestTimeout = .seconds(2)
        options.maxRetryAfter = .seconds(1)
        return options
    }

    @Test func getReturnsTheObjectAndNotFoundCarriesTheAPIMessage() async throws {
        let f = try await start()
        try f.server.store.add(Array(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vm1","namespace":"ns","resourceVersion":"9007199254740993"}}"#.utf8))
        let body = try await f.client.get("/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm1", Self.vmiRequest)
        #expect(String(decoding: body, as: UTF8.self).contains(#""resourceVersion":"9007199254740993""#))
        #expect(f.server.requests.first?.authorization == "Bearer secret-token-1")
        await #expect(throws: KubeAPIError.notFound(message: #"virtualmachineinstances.kubevirt.io "vm2" not found"#)) {
            _ = try await f.client.get("/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm2", Self.vmiRequest)
        }
        await f.server.shutdown()
    }

    @Test("every request carries the User-Agent its user configured, and a neutral one by default")
    func userAgentIsTheCallersChoice() async throws {
        var options = Self.fastOptions()
        options.userAgent = "some-program/1.0"
        let named = try await start(options: options)
        try named.server.store.add(Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"ns"}}"#.utf8))
        _ = try await named.client.get("/api/v1/namespaces/ns/pods/p", Self.podRequest)
        _ = try await named.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        #expect(named.server.requests.map(\.userAgent) == ["some-program/1.0", "some-program/1.0"])
        await named.server.shutdown()
        let plain = try await start()
        _ = try? await plain.client.get("/api/v1/namespaces/ns/pods/p", Self.podRequest)
        #expect(plain.server.requests.map(\.userAgent) == ["swift-kube-client"])
        await plain.server.shutdown()
    }

    @Test func listsFollowContinueTokensAndKeepServerOrder() async throws {
        var options = Self.fastOptions()
        options.pageSize = 2
        let f = try await start(options: options)
        for index in 0..<5 { try f.server.store.add(Self.pod("virt-launcher-\(index)", domain: "vm\(index)")) }
        try f.server.store.add(Self.pod("other", domain: "x", labels: #""app":"web""#))
        let items = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: "kubevirt.io=virt-launcher", Self.podRequest)
        #expect(items.compactMap { $0.objectValue?["metadata"]?.objectValue?["name"]?.stringValue } == (0..<5).map { "virt-launcher-\($0)" })
        #expect(f.server.requests.count == 3, "5 items in pages of 2")
        #expect(f.server.requests.allSatisfy { $0.query["labelSelector"] == "kubevirt.io=virt-launcher" && $0.query["limit"] == "2" })
        #expect(f.server.requests.map { $0.query["continue"] } == [nil, "2", "4"])
        await f.server.shutdown()
    }

    @Test func serverErrorsAndThrottlingAreRetriedWithinTheBound() async throws {
        let f = try await start()
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        f.server.inject(.status(503), times: 2)
        f.server.inject(.status(429, retryAfter: "0"))
        let items = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        #expect(items.count == 1)
        #expect(f.server.requests.count == 4, "three failures, then the answer")

        f.server.resetRequests()
        f.server.inject(.status(500), times: 10)
        await #expect {
            _ = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        } throws: { error in
            guard case .status(500, _, _)? = error as? KubeAPIError else { return false }
            return "\(error)".hasPrefix("cannot list pods in namespace ns: HTTP 500")
        }
        #expect(f.server.requests.count == 4, "maxAttempts bounds the retries")
        await f.server.shutdown()
    }

    /// A 503 may say when to come back, as a 429 does: the client waits that long (capped by `maxRetryAfter`), in
    /// seconds or as an HTTP-date.
    @Test func retryAfterIsHonouredOn503AndCapped() async throws {
        let f = try await start()
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        f.server.inject(.status(503, retryAfter: "1"))
        let clock = ContinuousClock()
        var started = clock.now
        #expect(try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest).count == 1)
        #expect(clock.now - started >= .milliseconds(950), "waited the second the server asked for, not the 5 ms backoff")
        #expect(f.server.requests.count == 2)

        // An hour is asked for; the client waits `maxRetryAfter` (1 s here) and tries again.
        f.server.resetRequests()
        f.server.inject(.status(503, retryAfter: "3600"))
        started = clock.now
        #expect(try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest).count == 1)
        #expect(clock.now - started < .seconds(30))
        #expect(f.server.requests.count == 2)
        await f.server.shutdown()
    }

    @Test(arguments: [
        ("120", 0, Duration.seconds(120)),
        (" 7 ", 0, .seconds(7)),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_767, .seconds(10)),
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_800, .seconds(0)),
        ("Thu, 29 Feb 2024 00:00:00 GMT", 1_709_164_800 - 3, .seconds(3)),
    ] as [(String, Int64, Duration)])
    func retryAfterReadsSecondsAndHTTPDates(header: String, now: Int64, expected: Duration) {
        #expect(RetryAfter.delay(header, now: now) == expected)
    }

    @Test(arguments: ["", "-5", "1.5", "soon", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 UTC"])
    func retryAfterOtherwiseFallsBackToTheBackoff(header: String) {
        #expect(RetryAfter.delay(header, now: 0) == nil)
    }

    /// A call cancelled while it waits to retry ends at once with the last failure and sends nothing more.
    @Test func aCancelledCallStopsItsRetries() async throws {
        var options = Self.fastOptions()
        options.maxRetryAfter = .seconds(20)
        let f = try await start(options: options)
        f.server.inject(.status(503, retryAfter: "20"), times: 4)
        let clock = ContinuousClock()
        let started = clock.now
        let call = Task { try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest) }
        while f.server.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        // Timed from the cancellation: on a loaded machine the first request alone can take seconds to arrive.
        let cancelled = clock.now
        call.cancel()
        await #expect {
            _ = try await call.value
        } throws: { error in
            guard case .status(503, _, _)? = error as? KubeAPIError else { return false }
            return true
        }
        #expect(clock.now - cancelled < .seconds(10), "did not wait out the 20 s Retry-After")
        #expect(f.server.requests.count == 1)
        await f.server.shutdown()
    }

    /// Pagination cannot loop: a continue token handed back unchanged, or pages without end, end the LIST with an error.
    @Test func pagingStopsOnARepeatedTokenAndAfterMaxListPages() async throws {
        var options = Self.fastOptions()
        options.maxListPages = 3
        let f = try await start(options: options)
        f.server.inject(.page(continue: "same"), times: 2)
        await #expect(throws: KubeAPIError.malformedResponse(request: Self.podRequest, reason: "the API server returned the same continue token twice")) {
            _ = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        }
        #expect(f.server.requests.count == 2)

        f.server.resetRequests()
        for token in ["a", "b", "c", "d"] { f.server.inject(.page(continue: token)) }
        await #expect(throws: KubeAPIError.malformedResponse(request: Self.podRequest, reason: "more than 3 pages of 500 items")) {
            _ = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        }
        #expect(f.server.requests.count == 3)
        await f.server.shutdown()
    }

    @Test func clientErrorsAreNotRetriedAndForbiddenNamesTheRequest() async throws {
        let f = try await start()
        f.server.inject(.status(403))
        await #expect {
            _ = try await f.client.get("/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm1", Self.vmiRequest)
        } throws: { error in
            "\(error)".hasPrefix("forbidden: cannot get virtualmachineinstances.kubevirt.io ns/vm1 (HTTP 403)")
        }
        f.server.inject(.status(400))
        await #expect(throws: KubeAPIError.self) {
            _ = try await f.client.get("/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstances/vm1", Self.vmiRequest)
        }
        #expect(f.server.requests.count == 2, "no retries for 4xx")
        await f.server.shutdown()
    }

    /// An API server restart or an L4 load balancer closes kept-alive TLS connections without `close_notify`; the
    /// client saw `TLS error: uncleanShutdown` and failed the item. Now it is a lost connection: retried, fresh.
    @Test func tlsConnectionsClosedWithoutCloseNotifyAreRetried() async throws {
        let f = try await start()
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        _ = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)  // a kept-alive connection
        f.server.inject(.closeWithoutTLSShutdown, times: 2)
        let items = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        #expect(items.count == 1)
        #expect(f.server.requests.count == 4, "one request, two dropped, one answered")
        // EOF in the handshake of fresh connections: lost connections too, each retried on a new one.
        await f.server.closeConnections()
        f.server.dropInHandshake(connections: 2)
        let connectionsBefore = f.server.connectionCount
        #expect(try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest).count == 1)
        #expect(f.server.connectionCount - connectionsBefore == 3, "two dropped in the handshake, the third answered")
        // A certificate problem stays permanent: one attempt only.
        let untrusted = try await start(trust: try TestCertificates.generate().caPEM)
        let before = untrusted.server.connectionCount
        await #expect(throws: KubeAPIError.self) {
            _ = try await untrusted.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        }
        #expect(untrusted.server.connectionCount - before == 1)
        await f.server.shutdown()
        await untrusted.server.shutdown()
    }

    @Test func resetsAndTruncatedBodiesAreHandled() async throws {
        let f = try await start()
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        f.server.inject(.resetMidBody)
        let items = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        #expect(items.count == 1, "a reset mid-body is retried")
        f.server.inject(.truncatedBody)
        await #expect {
            _ = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        } throws: { error in
            guard case .malformedResponse? = error as? KubeAPIError else { return false }
            return true
        }
        await f.server.shutdown()
    }

    @Test func slowAnswersTimeOutWithinTimeoutTimesAttempts() async throws {
        var options = Self.fastOptions()
        options.requestTimeout = .milliseconds(200)
        options.maxAttempts = 2
        let f = try await start(options: options)
        // The server would answer after 60 s; the client must give up after 2 × 200 ms plus backoff. The bound is
        // loose (a loaded 2-core CI machine runs every suite in parallel) but far below one delayed answer.
        f.server.inject(.delay(.seconds(60)), times: 2)
        let start = ContinuousClock.now
        await #expect {
            _ = try await f.client.get("/api/v1/namespaces/ns/persistentvolumeclaims/p", Self.vmiRequest)
        } throws: { "\($0)".contains("timed out") }
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(f.server.requests.count == 2, "one retry, then the timeout is reported")
        await f.server.shutdown()
    }

    @Test func serverDownIsATransportErrorAfterBoundedRetries() async throws {
        let f = try await start()
        await f.server.shutdown()
        let start = ContinuousClock.now
        await #expect {
            _ = try await f.client.get("/api/v1/namespaces/ns/pods/x", Self.vmiRequest)
        } throws: { error in
            guard case .transport? = error as? KubeAPIError else { return false }
            return true
        }
        #expect(ContinuousClock.now - start < .seconds(15))
    }

    @Test func aRotatedTokenIsReadAgainAfterA401AndNeverAppearsInErrors() async throws {
        let f = try await start()
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        _ = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        // the kubelet rotates the projected token; the server only accepts the new one
        try "secret-token-2".write(toFile: f.tokenFile, atomically: true, encoding: .utf8)
        f.server.requireToken("secret-token-2")
        _ = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        #expect(f.server.requests.last?.authorization == "Bearer secret-token-2")

        f.server.requireToken("a-token-nobody-has")
        do {
            _ = try await f.client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
            Issue.record("expected 401")
        } catch {
            let text = "\(error)"
            #expect(text.hasPrefix("unauthorized: cannot list pods in namespace ns (HTTP 401)"))
            #expect(!text.contains("secret-token"))
        }
        await f.server.shutdown()
    }

    @Test func aServerCertificateFromAnotherCAIsRefused() async throws {
        let other = try TestCertificates.generate(caName: "someone-else")
        let f = try await start(trust: other.caPEM)
        await #expect {
            _ = try await f.client.get("/api/v1/namespaces/ns/pods/x", Self.vmiRequest)
        } throws: { error in
            guard case .transport(_, let reason)? = error as? KubeAPIError else { return false }
            return reason.contains("TLS") || reason.lowercased().contains("certificate")
        }
        #expect(f.server.requests.isEmpty, "no request reached the server")
        await f.server.shutdown()
    }

    @Test func sharedClientIsCreatedLazilyOnceAndConfigErrorsAreNotFatal() throws {
        let missing = SharedKubeClient(environment: ["HOME": "/nonexistent"], options: KubeClientOptions())
        #expect(throws: KubeAPIError.self) { try missing.get() }
        let calls = LockedCounter()
        let shared = SharedKubeClient { () throws(KubeAPIError) -> KubeAPIClient in
            calls.increment()
            return try KubeAPIClient(config: KubeConfig(scheme: .http, host: "127.0.0.1", port: 1, source: "t"))
        }
        #expect(calls.value == 0)
        let first = try shared.get()
        let second = try shared.get()
        #expect(first === second)
        #expect(calls.value == 1)
    }

    @Test func theRateLimitSpacesRequestsBeyondTheBurst() async throws {
        var options = Self.fastOptions()
        options.queriesPerSecond = 100
        options.burst = 5
        let f = try await start(options: options)
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        let start = ContinuousClock.now
        for _ in 0..<25 { _ = try await f.client.get("/api/v1/namespaces/ns/pods/virt-launcher-a", Self.vmiRequest) }
        // 5 immediately, the other 20 at 100 per second: at least 0.2 s, whatever the machine's speed.
        #expect(ContinuousClock.now - start >= .milliseconds(190))
        await f.server.shutdown()
    }

    @Test func connectionsAreKeptAliveAndOneClosedByTheServerIsReplaced() async throws {
        let f = try await start()
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        let path = "/api/v1/namespaces/ns/pods/virt-launcher-a"
        for _ in 0..<5 { _ = try await f.client.get(path, Self.vmiRequest) }
        #expect(f.server.connectionCount == 1, "sequential requests share one connection")

        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { _ = try await f.client.get(path, Self.vmiRequest) } }
            try await group.waitForAll()
        }
        let afterBurst = f.server.connectionCount
        #expect(afterBurst >= 1 && afterBurst <= 9)
        for _ in 0..<5 { _ = try await f.client.get(path, Self.vmiRequest) }
        #expect(f.server.connectionCount == afterBurst, "the burst's connections are reused")

        // The server drops idle connections (as API servers do); the next request opens a new one and succeeds.
        await f.server.closeConnections()
        let before = f.server.requests.count
        let body = try await f.client.get(path, Self.vmiRequest)
        #expect(String(decoding: body, as: UTF8.self).contains("virt-launcher-a"))
        #expect(f.server.requests.count == before + 1)
        #expect(f.server.connectionCount == afterBurst + 1)
        await f.server.shutdown()
    }

    @Test func connectionsSetNoDelayAndNoPrivilegedSocketOption() async throws {
        // TCP_NODELAY set at the socket level would be SO_DEBUG, which needs CAP_NET_ADMIN: the plugin, run as an
        // arbitrary UID, then failed every connection (caught by the chroot check of verify-dist).
        let server = FakeKubeAPIServer()
        let port = try await server.start()
        let route = HTTPRoute(host: "127.0.0.1", port: port, tls: nil, proxy: nil)
        let connection = try await HTTP1Connection.open(route: route, group: MultiThreadedEventLoopGroup.singleton, timeout: .seconds(5), deadline: .now() + .seconds(5)).get()
        #expect(try await connection.channel.getOption(.tcpOption(.tcp_nodelay)).get() != 0)
        #expect(try await connection.channel.getOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_DEBUG))).get() == 0)
        connection.close()
        await server.shutdown()
    }

    /// A proxy that accepts CONNECT and never answers: the call ends with the request timeout (it hung before).
    @Test func aSilentProxyCannotHangACall() async throws {
        var options = Self.fastOptions()
        options.requestTimeout = .milliseconds(300)
        options.maxAttempts = 2
        let f = try await start(options: options)
        let proxy = FakeConnectProxy()
        let proxyPort = try await proxy.start()
        proxy.hang(true)
        let config = KubeConfig(
            scheme: .https, host: "127.0.0.1", port: f.port, certificateAuthority: f.certificates.caPEM,
            credentials: .tokenFile(path: f.tokenFile), source: "test")
        let client = try KubeAPIClient(config: config, options: options, environment: ["HTTPS_PROXY": "http://127.0.0.1:\(proxyPort)"])
        let started = ContinuousClock.now
        await #expect {
            _ = try await client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        } throws: { error in
            guard case .transport(_, let reason)? = error as? KubeAPIError else { return false }
            return reason.contains("timed out")
        }
        #expect(ContinuousClock.now - started < .seconds(30), "bounded by the attempts' deadlines, not hung")
        #expect(proxy.tunnels.count == 2, "each attempt opened a tunnel")
        await proxy.shutdown()
        await f.server.shutdown()
    }

    @Test func httpsGoesThroughAConnectProxyWithItsCredentials() async throws {
        let f = try await start()
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        let proxy = FakeConnectProxy()
        let proxyPort = try await proxy.start()
        let environment = ["HTTPS_PROXY": "http://user:pass@127.0.0.1:\(proxyPort)"]
        let client = try KubeAPIClient(config: f.client.config, options: Self.fastOptions(), environment: environment)
        let items = try await client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        #expect(items.count == 1)
        _ = try await client.get("/api/v1/namespaces/ns/pods/virt-launcher-a", Self.vmiRequest)
        #expect(proxy.tunnels.map(\.target) == ["127.0.0.1:\(f.port)"], "one tunnel, kept alive")
        #expect(proxy.tunnels.first?.authorization == "Basic dXNlcjpwYXNz")
        #expect(f.server.requests.count == 2)

        proxy.refuse(status: 407)
        let refused = try KubeAPIClient(config: f.client.config, options: Self.fastOptions(), environment: environment)
        await #expect {
            _ = try await refused.get("/api/v1/namespaces/ns/pods/virt-launcher-a", Self.vmiRequest)
        } throws: { error in
            guard case .transport(_, let reason)? = error as? KubeAPIError else { return false }
            return reason.contains("proxy refused the tunnel: HTTP/1.1 407")
        }
        #expect(f.server.requests.count == 2, "nothing reached the API through a refused tunnel")
        await proxy.shutdown()
        await f.server.shutdown()
    }

    /// The certificate names 127.0.0.1 and not 127.0.0.2. Through a proxy, the check must be against the API host
    /// the configuration names, never against the proxy's address (NIOSSL's own check uses the socket's peer).
    @Test(arguments: [(api: "127.0.0.1", proxy: "127.0.0.2", passes: true), (api: "127.0.0.2", proxy: "127.0.0.1", passes: false)])
    func anAddressHostBehindAProxyIsVerifiedAgainstTheHostNotTheProxy(api: String, proxy proxyHost: String, passes: Bool) async throws {
        let certificates = try TestCertificates.generate()
        let server = FakeKubeAPIServer(tls: certificates.serverTLS)
        let port = try await server.start(host: api)
        try server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        let proxy = FakeConnectProxy()
        let proxyPort = try await proxy.start(host: proxyHost)
        let config = KubeConfig(
            scheme: .https, host: api, port: port, certificateAuthority: certificates.caPEM, credentials: .token("t"),
            source: "test")
        let client = try KubeAPIClient(config: config, options: Self.fastOptions(), environment: ["HTTPS_PROXY": "http://\(proxyHost):\(proxyPort)"])
        if passes {
            let items = try await client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
            #expect(items.count == 1)
        } else {
            await #expect {
                _ = try await client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
            } throws: { error in
                guard case .transport(_, let reason)? = error as? KubeAPIError else { return false }
                return reason == "TLS error: the server's certificate is not valid for IP address 127.0.0.2"
            }
            #expect(server.requests.isEmpty, "no request left before the certificate was checked")
            #expect(proxy.tunnels.count == 1, "a certificate error is not retried")
        }
        #expect(proxy.tunnels.map(\.target) == ["\(api):\(port)"])
        await proxy.shutdown()
        await server.shutdown()
    }

    /// With a proxy, NIOSSL's name check is off for an address host; a host that looks like an address but cannot be
    /// read as one (an IPv6 zone, a leading zero) must be refused, not connected to without any name check.
    @Test(arguments: ["fe80::1%eth0", "010.0.0.1"])
    func anUnreadableAddressBehindAProxyIsRefusedNotLeftUnchecked(host: String) {
        let config = KubeConfig(scheme: .https, host: host, port: 6443, credentials: .token("t"), source: "test")
        #expect {
            _ = try KubeAPIClient(config: config, environment: ["HTTPS_PROXY": "http://127.0.0.1:3128"])
        } throws: { error in
            "\(error)".contains("server address \(host) is not an IPv4 or IPv6 address")
        }
    }

    /// The in-cluster `ca.crt` is rewritten when the cluster's CA is rotated. A handshake the bundle in use rejects
    /// makes the client read the file again; with a new bundle it tries again, with the same one the error stands.
    @Test func aRotatedCAFileIsReadAgainAfterAFailedHandshake() async throws {
        let first = try TestCertificates.generate(caName: "cluster-ca-1")
        let server = FakeKubeAPIServer(tls: first.serverTLS)
        let port = try await server.start()
        try server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        let caFile = NSTemporaryDirectory() + "ca-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: caFile) }
        try Data(first.caPEM).write(to: URL(fileURLWithPath: caFile))
        var options = Self.fastOptions()
        options.tokenRefreshInterval = .seconds(3600)  // only the failed handshake can make it look again
        let config = KubeConfig(
            scheme: .https, host: "127.0.0.1", port: port, certificateAuthority: first.caPEM, credentials: .token("t"),
            source: "test", certificateAuthorityFile: caFile)
        let client = try KubeAPIClient(config: config, options: options)
        #expect(try await client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest).count == 1)

        // The server restarts with a certificate of a new CA.
        let second = try TestCertificates.generate(caName: "cluster-ca-2")
        try server.present(second.serverTLS)
        await server.closeConnections()
        await #expect {
            _ = try await client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest)
        } throws: { error in
            guard case .transport(_, let reason)? = error as? KubeAPIError else { return false }
            return reason.hasPrefix("TLS error: handshakeFailed")
        }
        #expect(server.requests.count == 1, "the bundle did not change: the handshake failure stands")

        try Data(second.caPEM).write(to: URL(fileURLWithPath: caFile))
        #expect(try await client.list("/api/v1/namespaces/ns/pods", labelSelector: nil, Self.podRequest).count == 1)
        #expect(server.requests.count == 2)
        await server.shutdown()
    }

    @Test func theInClusterConfigurationNamesItsCAFile() throws {
        let directory = NSTemporaryDirectory() + "sa-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "token".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try "ca".write(toFile: directory + "/ca.crt", atomically: true, encoding: .utf8)
        let loader = KubeConfigLoader(
            environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"], serviceAccountDirectory: directory)
        #expect(try loader.loadInCluster().certificateAuthorityFile == directory + "/ca.crt")
    }

    @Test func anOversizedAnswerIsRefusedWithoutRetrying() async throws {
        var options = Self.fastOptions()
        options.maxBodyBytes = 64
        let f = try await start(options: options)
        try f.server.store.add(Self.pod("virt-launcher-a", domain: "vm1"))
        await #expect {
            _ = try await f.client.get("/api/v1/namespaces/ns/pods/virt-launcher-a", Self.vmiRequest)
        } throws: { error in
            guard case .transport(_, let reason)? = error as? KubeAPIError else { return false }
            return reason == "response body larger than 64 bytes"
        }
        #expect(f.server.requests.count == 1)
        await f.server.shutdown()
    }

    @Test func environmentTunesTimeoutsAndRateLimits() {
        let options = KubeClientOptions(
            environment: ["TEST_API_TIMEOUT": "5", "TEST_API_QPS": "7", "TEST_API_BURST": "x"], names: testVariables)
        #expect(options.requestTimeout == .seconds(5))
        #expect(options.queriesPerSecond == 7)
        #expect(options.burst == KubeClientOptions().burst)
    }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
