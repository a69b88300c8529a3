import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

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
