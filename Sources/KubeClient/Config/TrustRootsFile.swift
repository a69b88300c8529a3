import Synchronization

/// The CA bundle of the in-cluster service account (`ca.crt`), which changes when the cluster's CA is rotated: read
/// again when the copy in use is older than `refreshInterval`, and at once after a TLS handshake failed (the server
/// may already present a certificate of the new CA). Only a change is reported; an unreadable or empty file keeps
/// the bundle in use (a rotation writes the file, it does not remove it).
final class TrustRootsFile: Sendable {
    let path: String
    private let refreshInterval: Duration
    private struct State {
        var bytes: [UInt8]
        var readAt: ContinuousClock.Instant
    }
    private let state: Mutex<State>

    init(path: String, loaded: [UInt8], refreshInterval: Duration) {
        self.path = path
        self.refreshInterval = refreshInterval
        state = Mutex(State(bytes: loaded, readAt: .now))
    }

    /// The file's new contents if they differ from the bundle in use (which they then become), else `nil`.
    func changedContents(checkNow: Bool) -> [UInt8]? {
        let now = ContinuousClock.now
        let due = state.withLock { checkNow || now - $0.readAt >= refreshInterval }
        guard due else { return nil }
        let read = try? ConfigFiles.read(path)
        return state.withLock { state in
            state.readAt = now
            guard let read, !read.isEmpty, read != state.bytes else { return nil }
            state.bytes = read
            return read
        }
    }
}
