import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A local Kubernetes API server for tests and for the host CLI's cluster-free previews: HTTP/1.1 on 127.0.0.1
/// (optionally TLS with a given certificate), answering GET and LIST from an `ObjectStore`, recording every request,
/// and injecting faults on demand (status bursts, Retry-After, delays, resets mid-body, truncated bodies).
/// It listens only on loopback.
public final class FakeKubeAPIServer: Sendable {
    /// One request as the server saw it.
    public struct Request: Sendable, Equatable {
        public var method: String
        public var path: String
        public var query: [String: String]
        /// The Authorization header (tests check tokens; never printed).
        public var authorization: String?
        public var userAgent: String?
    }

    /// A canned fault, consumed by the next matching request.
    public enum Fault: Sendable {
        /// Answer with this status and a Status body, with a `Retry-After` header if given (seconds or an HTTP-date).
        case status(Int, retryAfter: String? = nil)
        /// Answer a LIST with an empty page whose `metadata.continue` is this token.
        case page(continue: String)
        /// Wait before answering normally.
        case delay(Duration)
        /// Send the headers and part of the body, then close the connection.
        case resetMidBody
        /// Answer 200 with the first half of the real body (valid HTTP, broken JSON).
        case truncatedBody
        /// Close the connection at the socket, under TLS, without a TLS `close_notify` and without answering: what a
        /// client sees when an API server restarts or an L4 load balancer drops a kept-alive connection.
        case closeWithoutTLSShutdown
    }

    public struct TLS: Sendable {
        public var certificateChainPEM: [UInt8]
        public var privateKeyPEM: [UInt8]
        public init(certificateChainPEM: [UInt8], privateKeyPEM: [UInt8]) {
            self.certificateChainPEM = certificateChainPEM
            self.privateKeyPEM = privateKeyPEM
        }
    }

    public let store: ObjectStore
    private let tls: TLS?
    private let state = Mutex(State())
    private struct State {
        var requests: [Request] = []
        var faults: [(pathContains: String, fault: Fault)] = []
        var requiredToken: String?
        var latency: Duration?
        var channel: (any Channel)?
        var connections: [ObjectIdentifier: any Channel] = [:]
        var connectionCount = 0
        var sslContext: NIOSSLContext?
        var connectionsToDropInHandshake = 0
    }

    public init(store: ObjectStore = ObjectStore(), tls: TLS? = nil) {
        self.store = store
        self.tls = tls
    }

    /// Requests so far, in arrival order.
    public var requests: [Request] { state.withLock { $0.requests } }

    public func resetRequests() { state.withLock { $0.requests = [] } }

    /// Connections accepted so far (keep-alive reuse shows as fewer connections than requests).
    public var connectionCount: Int { state.withLock { $0.connectionCount } }

    /// Closes every open client connection, as a server does with idle keep-alive connections.
    public func closeConnections() async {
        let open = state.withLock { state in defer { state.connections = [:] }; return state.connections.values }
        for channel in open { try? await channel.close() }
    }

    /// Queues `fault` for the next request whose path contains `pathContains` ("" = any request).
    public func inject(_ fault: Fault, times: Int = 1, pathContains: String = "") {
        state.withLock { state in
            for _ in 0..<times { state.faults.append((pathContains, fault)) }
        }
    }

    /// Every answer waits this long first (simulated API latency for benchmarks); `nil` answers at once.
    public func setLatency(_ latency: Duration?) { state.withLock { $0.latency = latency } }

    /// When set, requests without `Authorization: Bearer <token>` get 401.
    public func requireToken(_ token: String?) { state.withLock { $0.requiredToken = token } }

    private static func context(_ tls: TLS) throws -> NIOSSLContext {
        try NIOSSLContext(
            configuration: .makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMBytes(tls.certificateChainPEM).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: tls.privateKeyPEM, format: .pem))))
    }

    /// The next `count` connections are closed as soon as they are accepted, before the TLS handshake completes:
    /// the client sees EOF in the handshake, as when an API server restarts between accept and handshake.
    public func dropInHandshake(connections count: Int) { state.withLock { $0.connectionsToDropInHandshake = count } }

    /// Connections accepted from now on present `tls` (a certificate of a rotated CA); open ones keep theirs.
    public func present(_ tls: TLS) throws {
        let context = try Self.context(tls)
        state.withLock { $0.sslContext = context }
    }

    /// Binds `host` (127.0.0.1 unless told) on an ephemeral port (or `port`) and returns the port.
    public func start(port: Int = 0, host: String = "127.0.0.1") async throws -> Int {
        if let tls { try present(tls) }
        let server = self
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let (sslContext, drop) = server.state.withLock { state in
                    state.connectionCount += 1
                    let drop = state.connectionsToDropInHandshake > 0
                    if drop {
                        state.connectionsToDropInHandshake -= 1
                    } else {
                        state.connections[ObjectIdentifier(channel)] = channel
                    }
                    return (state.sslContext, drop)
                }
                if drop {
                    channel.close(promise: nil)
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                channel.closeFuture.whenComplete { _ in
                    _ = server.state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(channel)) }
                }
                return channel.eventLoop.makeCompletedFuture {
                    // First in the pipeline, under TLS: closing through it skips the TLS shutdown.
                    try channel.pipeline.syncOperations.addHandler(RawConnectionHandler())
                    if let sslContext {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext))
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(RequestHandler(server: server))
                }
            }
            .bind(host: host, port: port).get()
        state.withLock { $0.channel = channel }
        return channel.localAddress?.port ?? port
    }

    public func shutdown() async {
        let channel = state.withLock { $0.channel }
        try? await channel?.close()
    }

    // MARK: - Answering

    struct Answer {
        var status: Int
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        var body: [UInt8]
        var delay: Duration?
        var resetMidBody = false
        var dropWithoutTLSShutdown = false
    }

    func answer(method: String, uri: String, authorization: String?, userAgent: String?) -> Answer {
        let (path, query) = Self.split(uri)
        let (fault, requiredToken, latency) = state.withLock { state -> (Fault?, String?, Duration?) in
            state.requests.append(Request(method: method, path: path, query: query, authorization: authorization, userAgent: userAgent))
            let index = state.faults.firstIndex { $0.pathContains.isEmpty || path.contains($0.pathContains) }
            return (index.map { state.faults.remove(at: $0).fault }, state.requiredToken, state.latency)
        }
        if let requiredToken, authorization != "Bearer " + requiredToken {
            return Answer(status: 401, body: ObjectStore.status(code: 401, reason: "Unauthorized", message: "Unauthorized"))
        }
        var answer: Answer
        switch fault {
        case .status(let code, let retryAfter)?:
            answer = Answer(status: code, body: ObjectStore.status(code: code, reason: "Injected", message: "injected failure \(code)"))
            if let retryAfter { answer.headers.append(("Retry-After", retryAfter)) }
            return answer
        case .page(let token)?:
            return Answer(status: 200, body: Array(#"{"apiVersion":"v1","items":[],"kind":"List","metadata":{"continue":"\#(token)"}}"#.utf8))
        default:
            answer = method == "GET" ? store.answer(path: path, query: query)
                : Answer(status: 405, body: ObjectStore.status(code: 405, reason: "MethodNotAllowed", message: "read-only fake API"))
        }
        answer.delay = latency
        switch fault {
        case .delay(let duration)?: answer.delay = duration
        case .resetMidBody?: answer.resetMidBody = true
        case .truncatedBody?: answer.body = Array(answer.body.prefix(answer.body.count / 2))
        case .closeWithoutTLSShutdown?: answer.dropWithoutTLSShutdown = true
        default: break
        }
        return answer
    }

    static func split(_ uri: String) -> (String, [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            query[percentDecoded(parts[0])] = parts.count > 1 ? percentDecoded(parts[1]) : ""
        }
        return (String(uri[..<mark]), query)
    }

    static func percentDecoded(_ text: String) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let server: FakeKubeAPIServer
    private var head: HTTPRequestHead?

    init(server: FakeKubeAPIServer) { self.server = server }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let answer = server.answer(
                method: head.method.rawValue, uri: head.uri, authorization: head.headers.first(name: "Authorization"),
                userAgent: head.headers.first(name: "User-Agent"))
            let keepAlive = head.isKeepAlive
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let respond = { loopBound.value.0.write(answer, keepAlive: keepAlive, context: loopBound.value.1) }
            if let delay = answer.delay {
                let nanos = delay.components.seconds * 1_000_000_000 + delay.components.attoseconds / 1_000_000_000
                context.eventLoop.scheduleTask(in: .nanoseconds(nanos)) { respond() }
            } else {
                respond()
            }
        }
    }

    private func write(_ answer: FakeKubeAPIServer.Answer, keepAlive: Bool, context: ChannelHandlerContext) {
        if answer.dropWithoutTLSShutdown, let raw = try? context.pipeline.syncOperations.context(handlerType: RawConnectionHandler.self) {
            raw.close(promise: nil)
            return
        }
        var headers = HTTPHeaders(answer.headers)
        headers.add(name: "Content-Length", value: String(answer.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: answer.status)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        if answer.resetMidBody {
            var partial = context.channel.allocator.buffer(capacity: answer.body.count / 2)
            partial.writeBytes(answer.body.prefix(max(1, answer.body.count / 2)))
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(partial))), promise: nil)
            context.close(promise: nil)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: answer.body.count)
        buffer.writeBytes(answer.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let closing = !keepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if closing { context.close(promise: nil) }
        }
    }
}

/// Passes everything through; it sits below TLS so that a fault can close the socket without a TLS shutdown.
private final class RawConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny
    typealias OutboundIn = NIOAny
}
