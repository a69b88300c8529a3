import NIOCore
import NIOPosix
import Synchronization

/// An HTTP proxy on loopback that only tunnels (`CONNECT host:port`), as cluster-wide egress proxies do for HTTPS:
/// it records each tunnel and its `Proxy-Authorization`, and can refuse with a status instead.
public final class FakeConnectProxy: Sendable {
    public struct Tunnel: Sendable, Equatable {
        public var target: String
        public var authorization: String?
    }

    private struct State {
        var tunnels: [Tunnel] = []
        var refusal: Int?
        var silent = false
        var channel: (any Channel)?
    }

    private let state = Mutex(State())

    public init() {}

    public var tunnels: [Tunnel] { state.withLock { $0.tunnels } }

    /// Answer every CONNECT with this status (e.g. 407) instead of tunnelling; `nil` tunnels again.
    public func refuse(status: Int?) { state.withLock { $0.refusal = status } }

    /// When set, CONNECT requests are read and never answered (a proxy that accepts and hangs).
    public func hang(_ silent: Bool) { state.withLock { $0.silent = silent } }

    /// Listens on `host` (any loopback address: 127.0.0.2 puts the proxy at an address other than the API's).
    public func start(host: String = "127.0.0.1") async throws -> Int {
        let proxy = self
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(TunnelFront(proxy: proxy))
                }
            }
            .bind(host: host, port: 0).get()
        state.withLock { $0.channel = channel }
        return channel.localAddress?.port ?? 0
    }

    public func shutdown() async {
        let channel = state.withLock { $0.channel }
        try? await channel?.close()
    }

    fileprivate func record(_ tunnel: Tunnel) -> (refusal: Int?, silent: Bool) {
        state.withLock { state in
            state.tunnels.append(tunnel)
            return (state.refusal, state.silent)
        }
    }
}

/// The client side of a tunnel: reads the CONNECT request, dials the target, then relays bytes both ways.
private final class TunnelFront: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let proxy: FakeConnectProxy
    private var header = ByteBuffer()
    private var peer: (any Channel)?
    private var dialling = false

    init(proxy: FakeConnectProxy) { self.proxy = proxy }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if let peer {
            peer.writeAndFlush(bytes, promise: nil)
            return
        }
        guard !dialling else { return }
        header.writeBuffer(&bytes)
        let text = String(buffer: header)
        guard let end = text.firstRange(of: "\r\n\r\n") else { return }
        let lines = text[..<end.lowerBound].split(separator: "\r\n").map(String.init)
        let request = lines.first?.split(separator: " ") ?? []
        guard request.count == 3, request[0] == "CONNECT" else {
            reply(context, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n", close: true)
            return
        }
        let authorization = lines.dropFirst().first { $0.lowercased().hasPrefix("proxy-authorization:") }
            .map { String($0.dropFirst("proxy-authorization:".count)).trimmingSpaces }
        let target = String(request[1])
        let answer = proxy.record(FakeConnectProxy.Tunnel(target: target, authorization: authorization))
        if answer.silent {
            dialling = true  // read on, answer nothing
            return
        }
        if let status = answer.refusal {
            reply(context, "HTTP/1.1 \(status) Refused\r\nContent-Length: 0\r\n\r\n", close: true)
            return
        }
        guard let colon = target.lastIndex(of: ":"), let port = Int(target[target.index(after: colon)...]) else {
            reply(context, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", close: true)
            return
        }
        dialling = true
        let front = context.channel
        let host = String(target[..<colon]).trimmingCharacters(in: "[]")
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        ClientBootstrap(group: context.eventLoop)
            .channelInitializer { back in
                back.eventLoop.makeCompletedFuture { try back.pipeline.syncOperations.addHandler(TunnelBack(peer: front)) }
            }
            .connect(host: host, port: port)
            .whenComplete { result in
                switch result {
                case .success(let back):
                    loopBound.value.peer = back
                    front.writeAndFlush(ByteBuffer(string: "HTTP/1.1 200 Connection established\r\n\r\n"), promise: nil)
                case .failure:
                    front.writeAndFlush(ByteBuffer(string: "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"), promise: nil)
                    front.close(promise: nil)
                }
            }
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer?.close(promise: nil)
        context.fireChannelInactive()
    }

    private func reply(_ context: ChannelHandlerContext, _ text: String, close: Bool) {
        let channel = context.channel
        let written = channel.writeAndFlush(ByteBuffer(string: text))
        if close { written.whenComplete { _ in channel.close(promise: nil) } }
    }
}

/// The target side of a tunnel: relays the server's bytes to the client.
private final class TunnelBack: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let peer: any Channel

    init(peer: any Channel) { self.peer = peer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        peer.writeAndFlush(unwrapInboundIn(data), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.close(promise: nil)
        context.fireChannelInactive()
    }
}

private extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    func trimmingCharacters(in set: String) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
