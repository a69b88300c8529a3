import Synchronization

/// A bearer token read from a file: bound service-account tokens rotate (hourly), so the file is read again when
/// the cached copy is older than `refreshInterval`, and at once after `invalidate()` (an HTTP 401).
final class BearerTokenSource: Sendable {
    let path: String
    private let refreshInterval: Duration
    private struct Cached {
        var token: String
        var readAt: ContinuousClock.Instant
    }
    private let cached = Mutex<Cached?>(nil)

    init(path: String, refreshInterval: Duration) {
        self.path = path
        self.refreshInterval = refreshInterval
    }

    func current() throws -> String {
        let now = ContinuousClock.now
        if let hit = cached.withLock({ $0 }), now - hit.readAt < refreshInterval { return hit.token }
        let token: String
        do {
            token = ConfigFiles.trimmed(try ConfigFiles.read(path, limit: 1 << 20))
        } catch {
            throw KubeAPIError.configuration(reason: "service account token: \(error)")
        }
        guard !token.isEmpty else { throw KubeAPIError.configuration(reason: "service account token \(path) is empty") }
        cached.withLock { $0 = Cached(token: token, readAt: now) }
        return token
    }

    func invalidate() { cached.withLock { $0 = nil } }
}
