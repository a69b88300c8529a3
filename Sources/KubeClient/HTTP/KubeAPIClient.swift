import LosslessJSON
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Limits and policies of the API client. Defaults suit one plugin process serving one backup or restore.
public struct KubeClientOptions: Sendable {
    /// Per-attempt deadline (request sent, whole body received).
    public var requestTimeout: Duration = .seconds(30)
    /// Attempts for a retryable failure (connection error, 429, 500/502/503/504).
    public var maxAttempts = 4
    public var initialBackoff: Duration = .milliseconds(100)
    public var maxBackoff: Duration = .seconds(2)
    /// Longest Retry-After honoured for a 429 or 503 (longer ones wait this long).
    public var maxRetryAfter: Duration = .seconds(10)
    /// Client-side rate limit (token bucket). Velero's own client defaults to 20 QPS / burst 30; this plugin's
    /// reads are per-VM GETs plus one LIST per namespace, so it allows more before throttling itself.
    public var queriesPerSecond = 100.0
    public var burst = 200
    /// LIST page size (`limit`); continuation pages follow `metadata.continue`.
    public var pageSize = 500
    /// Most pages one LIST may take (10,000 pages of 500: five million objects, far above what one namespace holds).
    public var maxListPages = 10_000
    /// Largest response body accepted.
    public var maxBodyBytes = 256 << 20
    /// A bound service-account token is re-read when it is older than this (and on HTTP 401).
    public var tokenRefreshInterval: Duration = .seconds(60)
    /// The `User-Agent` header of every request: the program using the client names itself.
    public var userAgent = "swift-kube-client"

    public init() {}

    /// The environment variables that tune an options value (`init(environment:names:)`): the program using the
    /// client chooses them.
    public struct VariableNames: Sendable {
        /// Seconds per attempt.
        public var requestTimeout: String
        public var queriesPerSecond: String
        public var burst: String

        public init(requestTimeout: String, queriesPerSecond: String, burst: String) {
            self.requestTimeout = requestTimeout
            self.queriesPerSecond = queriesPerSecond
            self.burst = burst
        }
    }

    /// Why values from the environment were not used (each kept its default); the caller logs them.
    public private(set) var problems: [String] = []

    /// The accepted ranges: a day per request at most, and rates a token bucket can turn into durations.
    public static let timeoutRange = 0.001...86_400.0
    public static let queriesPerSecondRange = 0.01...1_000_000.0
    public static let burstRange = 1...1_000_000

    /// Options from the environment variables `names`: the request timeout in seconds, queries per second and burst.
    /// A value that is not a number, not finite (`inf`, `nan`) or out of range keeps the default and is reported in
    /// `problems`: no value can overflow a duration or make the rate limiter wait forever.
    public init(environment: [String: String], names: VariableNames) {
        self.init()
        func trimmed(_ text: String) -> Substring {
            let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
            let start = text.firstIndex { !isSpace($0) } ?? text.endIndex
            let end = text.lastIndex { !isSpace($0) }.map(text.index(after:)) ?? start
            return text[start..<end]
        }
        func number(_ name: String, _ range: ClosedRange<Double>, default current: Double) -> Double? {
            guard let text = environment[name] else { return nil }
            guard let value = Double(trimmed(text)), value.isFinite, range.contains(value) else {
                problems.append("\(name)=\(text) is not a number from \(range.lowerBound) to \(range.upperBound); using \(current)")
                return nil
            }
            return value
        }
        if let seconds = number(names.requestTimeout, Self.timeoutRange, default: 30) {
            requestTimeout = .milliseconds(Int64((seconds * 1000).rounded()))
        }
        if let qps = number(names.queriesPerSecond, Self.queriesPerSecondRange, default: queriesPerSecond) {
            queriesPerSecond = qps
        }
        if let text = environment[names.burst] {
            if let burst = Int(trimmed(text)), Self.burstRange.contains(burst) {
                self.burst = burst
            } else {
                problems.append(
                    "\(names.burst)=\(text) is not a whole number from \(Self.burstRange.lowerBound) to \(Self.burstRange.upperBound); using \(burst)")
            }
        }
    }
}

/// A Kubernetes API client over its own HTTP/1.1 pool (`HTTP1ConnectionPool`): keep-alive connections, bearer-token or client
/// certificate authentication, TLS verified against the configured CA, bounded retries with backoff, a client-side
/// rate limit, paginated LISTs. Thread-safe; share one instance.
public final class KubeAPIClient: Sendable {
    public let config: KubeConfig
    private let http: HTTP1ConnectionPool
    /// One event-loop thread: the plugin makes a few dozen requests per backup, and a second thread would only add
    /// start-up cost to the first request of the process.
    private let group: MultiThreadedEventLoopGroup
    private let token: BearerTokenSource?
    private let trustRoots: TrustRootsFile?
    private let hostnameCheckedByNIOSSL: Bool
    private let staticToken: String?
    private let limiter: RateLimiter
    private let options: KubeClientOptions
    private let logger: Logger

    public init(
        config: KubeConfig, options: KubeClientOptions = KubeClientOptions(), environment: [String: String] = [:],
        logger: Logger = Logger(label: "kube-client", factory: { _ in SwiftLogNoOpLogHandler() })
    ) throws(KubeAPIError) {
        self.config = config
        self.options = options
        self.logger = logger
        limiter = RateLimiter(queriesPerSecond: options.queriesPerSecond, burst: options.burst)
        switch config.credentials {
        case .token(let value):
            staticToken = value
            token = nil
        case .tokenFile(let path):
            staticToken = nil
            token = BearerTokenSource(path: path, refreshInterval: options.tokenRefreshInterval)
        case .none, .clientCertificate:
            staticToken = nil
            token = nil
        }
        // One pool for the process; connections idle longer than a minute are dropped, at most 16 stay open.
        var route = HTTPRoute(
            host: config.host, port: config.port, tls: nil,
            proxy: try ProxySelection(environment: environment).proxy(for: config))
        if config.scheme == .https {
            // Through a proxy, an address-literal host is verified by PeerAddressCheck (NIOSSL would check the proxy's).
            // NIOSSL's own check is then off, so an address that cannot be read is an error, never an unchecked name.
            if route.proxy != nil && route.isAddressLiteral && !config.insecureSkipTLSVerify {
                guard let bytes = PeerAddressCheck.addressBytes(config.host) else {
                    throw .configuration(reason: "\(config.source): server address \(config.host) is not an IPv4 or IPv6 address")
                }
                route.verifiedPeerAddress = bytes
            }
            route.tls = try Self.tlsContext(config, hostnameCheckedByNIOSSL: route.verifiedPeerAddress == nil)
        }
        hostnameCheckedByNIOSSL = route.verifiedPeerAddress == nil
        if config.scheme == .https, let file = config.certificateAuthorityFile, let loaded = config.certificateAuthority {
            trustRoots = TrustRootsFile(path: file, loaded: loaded, refreshInterval: options.tokenRefreshInterval)
        } else {
            trustRoots = nil
        }
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        http = HTTP1ConnectionPool(
            route: route, group: group, connectTimeout: .seconds(10),
            idleTimeout: .seconds(60), maxIdle: 16)
    }

    deinit {
        http.closeIdle()
        group.shutdownGracefully { _ in }
    }

    public func shutdown() async {
        http.closeIdle()
    }

    static func tlsContext(_ config: KubeConfig, hostnameCheckedByNIOSSL: Bool = true) throws(KubeAPIError) -> NIOSSLContext {
        do {
            var configuration = try tlsConfiguration(config)
            if !hostnameCheckedByNIOSSL && configuration.certificateVerification == .fullVerification {
                configuration.certificateVerification = .noHostnameVerification
            }
            return try NIOSSLContext(configuration: configuration)
        } catch let error as KubeAPIError {
            throw error
        } catch {
            throw .configuration(reason: "\(config.source): cannot set up TLS: \(error)")
        }
    }

    static func tlsConfiguration(_ config: KubeConfig) throws(KubeAPIError) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = config.certificateAuthority {
                // Only the configured CA: the image's trust store is irrelevant (and empty under OADP).
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            if case .clientCertificate(let certificate, let key) = config.credentials {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
            }
        } catch {
            throw .configuration(reason: "\(config.source): cannot load TLS material: \(error)")
        }
        if config.insecureSkipTLSVerify { tls.certificateVerification = .none }
        return tls
    }

    // MARK: - Requests

    /// GET one object; returns the response body (a JSON object).
    public func get(_ path: String, _ request: RequestDescription) async throws(KubeAPIError) -> [UInt8] {
        try await send(path, request)
    }

    /// LIST with pagination; returns `items` of every page in server order, each passed through `transform` as its
    /// page arrives (so a caller that keeps a few fields never holds a whole namespace of full objects).
    public func list(
        _ path: String, labelSelector: String?, _ request: RequestDescription, selecting itemSelection: JSONSelection = .all,
        transform: (JSONValue) -> JSONValue = { $0 }
    ) async throws(KubeAPIError) -> [JSONValue] {
        // Only the selected parts of each item are materialised; the rest of the page is checked and skipped.
        let pageSelection: JSONSelection = .members(["items": .elements(itemSelection), "metadata": .members(["continue": .all])])
        var items: [JSONValue] = []
        var continueToken: String?
        var restarted = false
        var pages = 0
        while true {
            var query = ["limit=\(options.pageSize)"]
            if let labelSelector { query.append("labelSelector=" + QueryEncoding.encode(labelSelector)) }
            if let continueToken { query.append("continue=" + QueryEncoding.encode(continueToken)) }
            let body: [UInt8]
            do {
                body = try await send(path + "?" + query.joined(separator: "&"), request)
            } catch .status(code: 410, _, _) where continueToken != nil && !restarted {
                // The continue token expired (HTTP 410 Gone): list again from the start, once, like client-go.
                restarted = true
                pages = 0
                items = []
                continueToken = nil
                continue
            }
            let page: JSONValue
            do {
                page = try JSONValue.parse(body, selecting: pageSelection)
            } catch {
                throw .malformedResponse(request: request, reason: "\(error)")
            }
            guard let object = page.objectValue, let pageItems = object["items"] else {
                throw .malformedResponse(request: request, reason: "no items in the list")
            }
            switch pageItems {
            case .array(let values): items.append(contentsOf: values.lazy.map(transform))
            case .null: break
            default: throw .malformedResponse(request: request, reason: "items is not an array")
            }
            let next = object["metadata"]?.objectValue?["continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            guard let next else { return items }
            // A server (or proxy) that hands back the token it was given, or pages without end, would keep this loop
            // going for ever: the same token twice, or more than `maxListPages` pages, is a malformed answer.
            pages += 1
            if next == continueToken {
                throw .malformedResponse(request: request, reason: "the API server returned the same continue token twice")
            }
            if pages >= options.maxListPages {
                throw .malformedResponse(request: request, reason: "more than \(options.maxListPages) pages of \(options.pageSize) items")
            }
            continueToken = next
        }
    }

    private func send(_ path: String, _ description: RequestDescription) async throws(KubeAPIError) -> [UInt8] {
        var attempt = 0
        var reloadedToken = false
        var backoff = options.initialBackoff
        while true {
            attempt += 1
            await limiter.acquire()
            let outcome = await once(path, description)
            let start = ContinuousClock.now
            switch outcome {
            case .success(let body):
                return body
            case .unauthorized where token != nil && !reloadedToken:
                // A rotated bound token: read the file again and retry once.
                reloadedToken = true
                token?.invalidate()
                attempt -= 1
                continue
            case .retry(let error, let retryAfter):
                let outcomeError = error
                // A cancelled call (Velero gave up on the item, or the plugin is shutting down) is not retried: the
                // last failure is its answer, also when the cancellation arrives during the wait.
                guard attempt < options.maxAttempts, !Task.isCancelled else { throw error }
                let wait = min(retryAfter ?? backoff, retryAfter == nil ? options.maxBackoff : options.maxRetryAfter)
                logger.debug("retrying \(description) in \(wait): \(error)")
                do {
                    try await Task.sleep(until: start + jitter(wait), clock: .continuous)
                } catch {
                    throw outcomeError
                }
                backoff = min(backoff * 2, options.maxBackoff)
            case .fail(let error):
                throw error
            case .unauthorized(let error):
                throw error
            }
        }
    }

    private func jitter(_ duration: Duration) -> Duration {
        duration + duration * Double.random(in: 0..<0.2)
    }

    private enum Outcome {
        case success([UInt8])
        case retry(KubeAPIError, retryAfter: Duration?)
        case unauthorized(KubeAPIError)
        case fail(KubeAPIError)
    }

    /// Rebuilds the TLS context when the CA file changed (checked when due, or now after a failed handshake);
    /// true when new connections now trust a new bundle. A bundle that does not load keeps the one in use.
    private func reloadTrustRoots(checkNow: Bool) -> Bool {
        guard let trustRoots, let bytes = trustRoots.changedContents(checkNow: checkNow) else { return false }
        var rotated = config
        rotated.certificateAuthority = bytes
        do {
            http.replaceTLS(try Self.tlsContext(rotated, hostnameCheckedByNIOSSL: hostnameCheckedByNIOSSL))
            logger.info("the CA bundle \(trustRoots.path) changed; new connections trust the new one")
            return true
        } catch {
            logger.warning("the CA bundle \(trustRoots.path) changed but cannot be used, keeping the previous one: \(error)")
            return false
        }
    }

    private func once(_ path: String, _ description: RequestDescription) async -> Outcome {
        _ = reloadTrustRoots(checkNow: false)
        var headers = [("Accept", "application/json"), ("User-Agent", options.userAgent)]
        do {
            if let bearer = try staticToken ?? token?.current() {
                headers.append(("Authorization", "Bearer " + bearer))
            }
        } catch {
            return .fail(.configuration(reason: "\(error)"))
        }
        let started = ContinuousClock.now
        let status: Int
        let body: [UInt8]
        let retryAfter: String?
        do {
            let timeout = options.requestTimeout
            let nanos = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
            let deadline = NIODeadline.now() + .nanoseconds(nanos)
            let response = try await http.get(config.pathPrefix + path, headers: headers, deadline: deadline, maxBodyBytes: options.maxBodyBytes)
            status = response.status
            retryAfter = response.headers.first(name: "Retry-After")
            body = response.body
        } catch {
            logger.debug("GET \(path) failed after \(ContinuousClock.now - started): \(error)")
            let failure = KubeAPIError.transport(request: description, reason: Self.describe(error))
            // A certificate the configured CA does not vouch for, or an oversized answer, will not change on retry. A
            // TLS connection that ended without close_notify (an API server restart, a load balancer dropping a
            // kept-alive connection) is a lost connection like any other: retried, on fresh connections, since the
            // other idle ones most likely went the same way.
            if Self.isLostConnection(error) {
                http.closeIdle()
                return .retry(failure, retryAfter: nil)
            }
            // A handshake the CA bundle rejects may mean the cluster's CA was rotated: with a new bundle, try again.
            if case .handshakeFailed? = error as? NIOSSLError, reloadTrustRoots(checkNow: true) {
                return .retry(failure, retryAfter: nil)
            }
            let permanent =
                error is NIOSSLError || error is NIOSSLExtraError || (error as? HTTPTransportError)?.isPermanent == true
            return permanent ? .fail(failure) : .retry(failure, retryAfter: nil)
        }
        logger.debug("GET \(path) → \(status) in \(ContinuousClock.now - started)")
        switch status {
        case 200..<300:
            return .success(body)
        case 404:
            return .fail(.notFound(message: Self.statusMessage(body) ?? Self.notFoundText(description)))
        case 401, 403:
            let error = KubeAPIError.unauthorized(status: status, request: description, message: Self.statusMessage(body) ?? "")
            return status == 401 ? .unauthorized(error) : .fail(error)
        case 429:
            // Retry-After in seconds or as an HTTP-date, capped by `maxRetryAfter` in `send`.
            let wait = retryAfter.flatMap { RetryAfter.delay($0) }
            return .retry(.status(code: status, request: description, message: Self.statusMessage(body) ?? "too many requests"), retryAfter: wait ?? .seconds(1))
        case 503:
            // An API server shedding load (or restarting) may say when to come back; without the header, the backoff.
            let wait = retryAfter.flatMap { RetryAfter.delay($0) }
            return .retry(.status(code: status, request: description, message: Self.statusMessage(body) ?? "server error"), retryAfter: wait)
        case 500, 502, 504:
            return .retry(.status(code: status, request: description, message: Self.statusMessage(body) ?? "server error"), retryAfter: nil)
        default:
            return .fail(.status(code: status, request: description, message: Self.statusMessage(body) ?? "unexpected status"))
        }
    }

    /// `message` of a Kubernetes Status body, if the body is one.
    static func statusMessage(_ body: [UInt8]) -> String? {
        guard let object = try? JSONValue.parse(body).objectValue, let message = object["message"]?.stringValue,
            !message.isEmpty
        else { return nil }
        return message
    }

    static func notFoundText(_ request: RequestDescription) -> String {
        "\(request.resource) \"\(request.name ?? "")\" not found"
    }

    /// TLS errors that mean the connection went away rather than that TLS failed: the peer closed the socket
    /// without `close_notify`, before or after the handshake.
    static func isLostConnection(_ error: any Error) -> Bool {
        switch error as? NIOSSLError {
        case .uncleanShutdown?:
            return true
        case .handshakeFailed(.sslError(let errors))?:
            // NIOSSL reports a socket closed in the middle of the handshake as this synthetic error.
            return errors == [.eofDuringHandshake]
        default:
            return false
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case let error as HTTPTransportError:
            return error.description
        case let error as NIOSSLError:
            return "TLS error: \(error)"
        case let error as NIOSSLExtraError:
            return "TLS error: \(error)"
        case let error as NIOConnectionError:
            let cause = error.connectionErrors.first.map { String(describing: $0.error) } ?? error.dnsAError.map { String(describing: $0) } ?? "no address"
            return "cannot connect to \(error.host):\(error.port): \(cause)"
        default:
            return String(describing: error)
        }
    }
}

/// Percent-encoding of query values (RFC 3986 unreserved characters stay).
enum QueryEncoding {
    static func encode(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".unicodeScalars)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0xF)])
            }
        }
        return out
    }
}

/// Path segments for object names and namespaces (DNS-1123 names need no escaping; anything else is escaped).
public enum QueryPath {
    public static func segment(_ text: String) -> String { QueryEncoding.encode(text) }
}
