import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

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

struct HTTPResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}

/// Transport failures of the HTTP layer; what reaches users is `KubeAPIError.transport` built from these texts.
enum HTTPTransportError: Error, Equatable, CustomStringConvertible {
    case timedOut
    /// The connection ended before any byte of the answer (a keep-alive connection the server had closed).
    case closedBeforeResponse
    case closedMidResponse
    case bodyTooLarge(limit: Int)
    case proxyRefused(String)
    case certificateNotValidForAddress(String)

    var description: String {
        switch self {
        case .timedOut: "timed out"
        case .closedBeforeResponse: "connection closed before the response"
        case .closedMidResponse: "connection closed before the response was complete"
        case .bodyTooLarge(let limit): "response body larger than \(limit) bytes"
        case .proxyRefused(let status): "proxy refused the tunnel: \(status)"
        case .certificateNotValidForAddress(let host): "TLS error: the server's certificate is not valid for IP address \(host)"
        }
    }

    /// Fails the same way on every attempt: retrying cannot help.
    var isPermanent: Bool {
        switch self {
        case .bodyTooLarge, .certificateNotValidForAddress: true
        default: false
        }
    }
}

/// A small HTTP/1.1 client for one API server: GET requests over keep-alive connections that are reused, opened on
/// demand (any number in flight) and kept idle up to a bound. It replaces a general-purpose HTTP client whose
/// first request cost milliseconds of runtime type lookups in a fresh process (docs/performance.md): this one has
/// one pipeline shape, no protocol negotiation, and nothing formatted unless it fails.
final class HTTP1ConnectionPool: Sendable {
    private let currentRoute: Mutex<HTTPRoute>
    private var route: HTTPRoute { currentRoute.withLock { $0 } }
    private let group: any EventLoopGroup
    private let connectTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let maxIdle: Int
    private let idle = Mutex<[(connection: HTTP1Connection, since: NIODeadline)]>([])

    init(route: HTTPRoute, group: any EventLoopGroup, connectTimeout: TimeAmount, idleTimeout: TimeAmount, maxIdle: Int) {
        currentRoute = Mutex(route)
        self.group = group
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.maxIdle = maxIdle
    }

    /// GET `path` (with query). A reused connection that turns out to be closed is replaced once, transparently:
    /// the request had not reached the server, and GET is idempotent anyway.
    func get(_ path: String, headers: [(String, String)], deadline: NIODeadline, maxBodyBytes: Int) async throws -> HTTPResponse {
        let route = self.route
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: requestTarget(path, route))
        head.headers.add(name: "Host", value: route.authority)
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        if route.tls == nil, let authorization = route.proxy?.authorization {
            head.headers.add(name: "Proxy-Authorization", value: authorization)
        }
        if let reused = takeIdle() {
            do {
                return try await exchange(reused.eventLoop.makeSucceededFuture(reused), head, deadline, maxBodyBytes)
            } catch HTTPTransportError.closedBeforeResponse {
                // stale keep-alive connection: open a new one below
            }
        }
        let opened = HTTP1Connection.open(route: route, group: group, timeout: connectTimeout(until: deadline), deadline: deadline)
        return try await exchange(opened, head, deadline, maxBodyBytes)
    }

    /// New connections use `tls` (a CA bundle that was rotated); idle ones, verified against the old one, are closed.
    func replaceTLS(_ tls: NIOSSLContext) {
        currentRoute.withLock { $0.tls = tls }
        closeIdle()
    }

    /// Closes the idle connections; requests in flight finish on theirs.
    func closeIdle() {
        let connections = idle.withLock { list in defer { list = [] }; return list }
        for entry in connections { entry.connection.close() }
    }

    /// Connecting, sending and collecting run as one chain on the connection's event loop; the caller's task waits
    /// once. (A task resumed between steps could be held up by a busy executor and miss its own deadline.)
    private func exchange(
        _ connection: EventLoopFuture<HTTP1Connection>, _ head: HTTPRequestHead, _ deadline: NIODeadline, _ maxBodyBytes: Int
    ) async throws -> HTTPResponse {
        let exchanged = connection.flatMap { connection in
            connection.send(head, deadline: deadline, maxBodyBytes: maxBodyBytes)
                .map { (connection, $0.0, $0.reusable) }
                .flatMapErrorThrowing { error in
                    connection.close()
                    throw error
                }
        }
        let (used, response, reusable) = try await exchanged.get()
        if reusable { giveBack(used) } else { used.close() }
        return response
    }

    private func takeIdle() -> HTTP1Connection? {
        let now = NIODeadline.now()
        var expired: [HTTP1Connection] = []
        let found = idle.withLock { list -> HTTP1Connection? in
            while let last = list.popLast() {
                if now - last.since < idleTimeout, last.connection.isActive { return last.connection }
                expired.append(last.connection)
            }
            return nil
        }
        for connection in expired { connection.close() }
        return found
    }

    private func giveBack(_ connection: HTTP1Connection) {
        let kept = idle.withLock { list -> Bool in
            guard list.count < maxIdle else { return false }
            list.append((connection, .now()))
            return true
        }
        if !kept { connection.close() }
    }

    private func requestTarget(_ path: String, _ route: HTTPRoute) -> String {
        // Through a proxy, plain HTTP requests name the whole URL (RFC 9112 §3.2.2); tunnels carry origin form.
        route.proxy != nil && route.tls == nil ? "http://\(route.authority)\(path)" : path
    }

    private func connectTimeout(until deadline: NIODeadline) -> TimeAmount {
        let remaining = deadline - .now()
        return max(.milliseconds(1), min(connectTimeout, remaining))
    }
}

/// One connection with its pipeline: [TLS] → HTTP/1.1 codec → `ResponseCollector`. One request at a time.
final class HTTP1Connection: Sendable {
    let channel: any Channel
    private let collector: NIOLoopBound<ResponseCollector>

    private init(channel: any Channel, collector: NIOLoopBound<ResponseCollector>) {
        self.channel = channel
        self.collector = collector
    }

    var isActive: Bool { channel.isActive }

    func close() { channel.close(promise: nil) }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Connects (within `timeout`) and, through a proxy, opens the tunnel before `deadline`: the CONNECT exchange
    /// counts against the request's deadline, so a proxy that accepts and never answers cannot hang a call.
    static func open(
        route: HTTPRoute, group: any EventLoopGroup, timeout: TimeAmount, deadline: NIODeadline
    ) -> EventLoopFuture<HTTP1Connection> {
        let target = route.proxy.map { ($0.host, $0.port) } ?? (route.host, route.port)
        let bootstrap = ClientBootstrap(group: group)
            .connectTimeout(timeout)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
        // An address (in-cluster: KUBERNETES_SERVICE_HOST) is dialled as is; only names go through the resolver.
        let connected: EventLoopFuture<any Channel>
        if let address = try? SocketAddress(ipAddress: target.0, port: target.1) {
            connected = bootstrap.connect(to: address)
        } else {
            connected = bootstrap.connect(host: target.0, port: target.1)
        }
        return connected.flatMap { channel in
            let tunnel: EventLoopFuture<Void>
            if let proxy = route.proxy, route.tls != nil {
                tunnel = ConnectTunnel.establish(on: channel, to: route.authority, authorization: proxy.authorization, deadline: deadline)
            } else {
                tunnel = channel.eventLoop.makeSucceededVoidFuture()
            }
            return tunnel.hop(to: channel.eventLoop).flatMapThrowing { () throws -> HTTP1Connection in
                let pipeline = channel.pipeline.syncOperations
                if let tls = route.tls {
                    try pipeline.addHandler(
                        try NIOSSLClientHandler(context: tls, serverHostname: route.isAddressLiteral ? nil : route.host))
                    if let expected = route.verifiedPeerAddress {
                        try pipeline.addHandler(PeerAddressCheck(host: route.host, expected: expected))
                    }
                }
                try pipeline.addHTTPClientHandlers()
                let collector = ResponseCollector()
                try pipeline.addHandler(collector)
                return HTTP1Connection(channel: channel, collector: NIOLoopBound(collector, eventLoop: channel.eventLoop))
            }.flatMapErrorThrowing { error in
                channel.close(promise: nil)
                throw error
            }
        }
    }

    /// Sends one request and collects the whole answer; `reusable` when the server keeps the connection open.
    func send(_ head: HTTPRequestHead, deadline: NIODeadline, maxBodyBytes: Int) -> EventLoopFuture<(HTTPResponse, reusable: Bool)> {
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: (HTTPResponse, reusable: Bool).self)
        let start = { [channel, collector] in
            guard channel.isActive else {
                promise.fail(HTTPTransportError.closedBeforeResponse)
                return
            }
            collector.value.begin(promise, maxBodyBytes: maxBodyBytes)
            let timeout = eventLoop.scheduleTask(deadline: deadline) {
                collector.value.fail(HTTPTransportError.timedOut)
                channel.close(promise: nil)
            }
            promise.futureResult.whenComplete { _ in timeout.cancel() }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        if eventLoop.inEventLoop { start() } else { eventLoop.execute(start) }
        return promise.futureResult
    }
}

/// Gathers one response (head, body up to a limit, end) and completes the request's promise; any error or the
/// connection's end fails it.
final class ResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var promise: EventLoopPromise<(HTTPResponse, reusable: Bool)>?
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?
    private var limit = 0
    private var received = false

    func begin(_ promise: EventLoopPromise<(HTTPResponse, reusable: Bool)>, maxBodyBytes: Int) {
        self.promise = promise
        head = nil
        body = nil
        limit = maxBodyBytes
        received = false
    }

    func fail(_ error: any Error) {
        guard let promise else { return }
        self.promise = nil
        promise.fail(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received = true
        switch unwrapInboundIn(data) {
        case .head(let value):
            head = value
        case .body(var chunk):
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
            if body!.readableBytes > limit {
                fail(HTTPTransportError.bodyTooLarge(limit: limit))
                context.close(promise: nil)
            }
        case .end:
            guard let promise, let head else { return }
            self.promise = nil
            let bytes = body.map { Array($0.readableBytesView) } ?? []
            body = nil
            promise.succeed((HTTPResponse(status: Int(head.status.code), headers: head.headers, body: bytes), head.isKeepAlive))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(received ? HTTPTransportError.closedMidResponse : HTTPTransportError.closedBeforeResponse)
        context.fireChannelInactive()
    }
}

/// `CONNECT host:port` through an HTTP proxy; on a 2xx answer the channel carries the tunnel (TLS goes on top).
final class ConnectTunnel: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let promise: EventLoopPromise<Void>
    private var buffer = ByteBuffer()
    private var done = false

    private init(promise: EventLoopPromise<Void>) { self.promise = promise }

    static func establish(
        on channel: any Channel, to authority: String, authorization: String?, deadline: NIODeadline
    ) -> EventLoopFuture<Void> {
        var request = "CONNECT \(authority) HTTP/1.1\r\nHost: \(authority)\r\n"
        if let authorization { request += "Proxy-Authorization: \(authorization)\r\n" }
        request += "\r\n"
        let bytes = ByteBuffer(string: request)
        return channel.eventLoop.flatSubmit {
            let promise = channel.eventLoop.makePromise(of: Void.self)
            let tunnel = ConnectTunnel(promise: promise)
            do {
                try channel.pipeline.syncOperations.addHandler(tunnel)
            } catch {
                promise.fail(error)
                return promise.futureResult
            }
            channel.writeAndFlush(bytes, promise: nil)
            let bound = NIOLoopBound(tunnel, eventLoop: channel.eventLoop)
            let timeout = channel.eventLoop.scheduleTask(deadline: deadline) {
                bound.value.expire()
                channel.close(promise: nil)
            }
            promise.futureResult.whenComplete { _ in timeout.cancel() }
            return promise.futureResult
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        buffer.writeBuffer(&chunk)
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else {
            if buffer.readableBytes > 16 * 1024 { finish(context, HTTPTransportError.proxyRefused("answer headers too long")) }
            return
        }
        let statusLine = String(decoding: view[view.startIndex..<end.lowerBound].prefix { $0 != 13 }, as: UTF8.self)
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let code = Int(parts[1]), (200..<300).contains(code) else {
            finish(context, HTTPTransportError.proxyRefused(statusLine))
            return
        }
        finish(context, nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            promise.fail(HTTPTransportError.proxyRefused("connection closed"))
        }
        context.fireChannelInactive()
    }

    /// The request's deadline passed before the proxy answered.
    func expire() {
        guard !done else { return }
        done = true
        promise.fail(HTTPTransportError.timedOut)
    }

    private func finish(_ context: ChannelHandlerContext, _ error: HTTPTransportError?) {
        guard !done else { return }
        done = true
        if let error {
            promise.fail(error)
            context.close(promise: nil)
        } else {
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            promise.succeed(())
        }
    }
}
