import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

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
