import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

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
