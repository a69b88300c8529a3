import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

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
