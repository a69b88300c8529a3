import NIOHTTP1

/// One complete answer: status, headers and the whole body.
struct HTTPResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
}
