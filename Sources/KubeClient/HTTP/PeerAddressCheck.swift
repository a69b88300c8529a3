import Glibc
import NIOCore
import NIOSSL
import NIOTLS

/// Verifies the API server's certificate against the API host's IP address when the connection is tunnelled
/// through a proxy. An address cannot be sent as SNI, so NIOSSL checks an address-literal host against the socket's
/// peer — which, through a CONNECT tunnel, is the proxy. client-go (crypto/tls) checks the address the user named;
/// so does this: the route's TLS context skips NIOSSL's name check (the chain is still verified against the CA)
/// and this handler compares the leaf certificate's IP-address entries with the host once the handshake is done,
/// before NIOSSL lets the buffered request out.
final class PeerAddressCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let host: String
    private let expected: [UInt8]

    /// `expected` is `addressBytes(host)`, computed once for the route.
    init(host: String, expected: [UInt8]) {
        self.host = host
        self.expected = expected
    }

    /// The 4 or 16 bytes of an address literal, as they appear in a certificate's iPAddress entry.
    static func addressBytes(_ host: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted? = event as? TLSUserEvent {
            let leaf = try? context.pipeline.syncOperations.handler(type: NIOSSLClientHandler.self).peerCertificate
            let names = leaf?._subjectAlternativeNames()
            let matches = names?.contains { $0.nameType == .ipAddress && Array($0.contents) == expected } ?? false
            guard matches else {
                context.fireErrorCaught(HTTPTransportError.certificateNotValidForAddress(host))
                context.close(promise: nil)
                return
            }
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }
}
