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
