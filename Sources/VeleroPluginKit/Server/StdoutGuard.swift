import CGRPCShim
import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Nothing but the handshake may ever reach Velero on stdout (go-plugin reads the first line as the handshake and
/// stops draining the pipe after a line over 64 KiB). After the handshake, fd 1 becomes a pipe that this guard
/// drains: each line written there (a stray `print` in an action, a library's chatter) is logged as a Warn line on
/// stderr instead. The host's original stdout stays open, unused, so the host sees no EOF.
enum StdoutGuard {
    private static let running = Atomic<Bool>(false)
    private static let drained = DispatchSemaphore(value: 0)

    static func install(logger: Logger) {
        var fds: [Int32] = [0, 0]
        let original = dup(1)
        guard original >= 0, pipe(&fds) == 0 else { return }
        _ = fcntl(original, F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        guard dup2(fds[1], 1) >= 0 else { return }
        close(fds[1])
        gs_stdout_line_buffered()
        let reader = fds[0]
        running.store(true, ordering: .releasing)
        let started = startDetachedThread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            defer { drained.signal() }
            while true {
                let count = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 {
                    if !pending.isEmpty { report(pending, logger) }
                    return
                }
                pending += buffer[0..<count]
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    report(Array(pending[..<newline]), logger)
                    pending.removeSubrange(...newline)
                }
                if pending.count > 16384 {
                    report(pending, logger)
                    pending = []
                }
            }
        }
        if !started {
            // Without a reader the pipe would fill and block a stray print: give the host's stdout back instead.
            running.store(false, ordering: .releasing)
            dup2(original, 1)
            close(reader)
        }
    }

    /// Before exit: output still in the pipe (a print just before Shutdown) is logged, not lost. Closing fd 1, the
    /// pipe's only write end, lets the reader drain what is left and see end-of-file; the wait is bounded.
    static func finish() {
        guard running.exchange(false, ordering: .acquiringAndReleasing) else { return }
        fflush(nil)
        close(1)
        _ = drained.wait(timeout: .now() + .milliseconds(500))
    }

    private static func report(_ line: [UInt8], _ logger: Logger) {
        logger.warning("unexpected output on stdout, kept from Velero: \(String(decoding: line, as: UTF8.self))")
    }
}
