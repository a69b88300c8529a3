import CGRPCShim
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A plugin process started the way Velero's go-plugin client starts it: `argv[0]` = the path, the given arguments
/// verbatim, the host's environment plus go-plugin's variables, stdin `/dev/null`, stdout and stderr on pipes.
/// Stdout's first line is the handshake; everything after it is kept so tests can prove there is none. Stderr is
/// kept line by line.
public final class PluginProcess: Sendable {
    public let path: String
    public let pid: pid_t

    private struct State {
        var handshakeLine: String?
        var stdoutClosed = false
        var extraStdout: [UInt8] = []
        var stderrLines: [String] = []
        var exitStatus: Int32?
        var exitSignal: Int32?
    }

    private let state = Mutex(State())
    private let handshakeSignal = DispatchSemaphore(value: 0)
    private let exitSignal = DispatchSemaphore(value: 0)
    private let stderrClosed = DispatchSemaphore(value: 0)

    /// go-plugin's variables as Velero 1.18 sets them.
    public static let goPluginEnvironment = [
        "VELERO_PLUGIN": "hello", "PLUGIN_MIN_PORT": "10000", "PLUGIN_MAX_PORT": "25000",
        "PLUGIN_PROTOCOL_VERSIONS": "2",
    ]

    /// Starts `path`. `environment` is added to (and overrides) the host's own; `cookie: false` leaves out the
    /// `VELERO_PLUGIN` cookie (to see what a human running the binary gets). `wrapper` (e.g. `chroot --userspec=…
    /// ROOT`) is executed instead, with `path` and the arguments appended — argv[0] of the plugin is then `path`
    /// as the wrapper passes it. `inheritEnvironment: false` starts from an empty environment instead of the host's.
    public init(
        path: String, arguments: [String], environment: [String: String] = [:], cookie: Bool = true,
        wrapper: [String] = [], inheritEnvironment: Bool = true
    ) throws {
        self.path = path
        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        for (key, value) in Self.goPluginEnvironment where cookie || key != "VELERO_PLUGIN" { env[key] = value }
        if !cookie { env.removeValue(forKey: "VELERO_PLUGIN") }
        for (key, value) in environment { env[key] = value }

        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard gs_pipe_cloexec(&stdoutPipe) == 0, gs_pipe_cloexec(&stderrPipe) == 0 else {
            throw PluginHostError("cannot create pipes: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)

        // Like Go's os/exec: the child starts with no blocked signals and default dispositions, whatever the
        // spawning thread had (Swift's thread pools block some signals).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = wrapper + [path] + arguments
        let executable = wrapper.first ?? path
        let envp = env.map { "\($0.key)=\($0.value)" }
        var child: pid_t = 0
        let rc = Self.withCStrings(argv) { cArgv in
            Self.withCStrings(envp) { cEnv in posix_spawn(&child, executable, &actions, &attributes, cArgv, cEnv) }
        }
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard rc == 0 else {
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw PluginHostError("cannot start \(path): \(String(cString: strerror(rc)))")
        }
        pid = child
        startReaders(stdout: stdoutPipe[0], stderr: stderrPipe[0])
    }

    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
        var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        pointers.append(nil)
        defer { for pointer in pointers { free(pointer) } }
        return pointers.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }

    private func startReaders(stdout: Int32, stderr: Int32) {
        let process = self
        Thread.detachNewThread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(stdout, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                process.consumeStdout(buffer[0..<count], pending: &pending)
            }
            close(stdout)
            process.state.withLock { $0.stdoutClosed = true }
            process.handshakeSignal.signal()
        }
        Thread.detachNewThread {
            var pending: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(stderr, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                pending.append(contentsOf: buffer[0..<count])
                while let newline = pending.firstIndex(of: 10) {
                    let line = String(decoding: pending[..<newline], as: UTF8.self)
                    pending.removeSubrange(...newline)
                    process.state.withLock { $0.stderrLines.append(line) }
                }
            }
            if !pending.isEmpty {
                let line = String(decoding: pending, as: UTF8.self)
                process.state.withLock { $0.stderrLines.append(line) }
            }
            close(stderr)
            process.stderrClosed.signal()
        }
        let pid = self.pid
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            process.state.withLock { state in
                if status & 0x7f == 0 {
                    state.exitStatus = (status >> 8) & 0xff
                } else {
                    state.exitSignal = status & 0x7f
                }
            }
            process.exitSignal.signal()
        }
    }

    private func consumeStdout(_ bytes: ArraySlice<UInt8>, pending: inout [UInt8]) {
        let gotLine = state.withLock { state -> Bool in
            if state.handshakeLine != nil {
                state.extraStdout.append(contentsOf: bytes)
                return false
            }
            pending.append(contentsOf: bytes)
            guard let newline = pending.firstIndex(of: 10) else { return false }
            state.handshakeLine = String(decoding: pending[..<newline], as: UTF8.self)
            state.extraStdout.append(contentsOf: pending[(newline + 1)...])
            return true
        }
        if gotLine { handshakeSignal.signal() }
    }

    /// Waits for the first stdout line (go-plugin waits 60 s). Throws go-plugin's errors for a process that exits
    /// first or prints nothing in time.
    public func waitForHandshakeLine(timeout: Duration) throws -> String {
        _ = handshakeSignal.wait(timeout: .now() + .nanoseconds(Int(timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)))
        let (line, closed) = state.withLock { ($0.handshakeLine, $0.stdoutClosed) }
        if let line { return line }
        if closed { throw PluginHostError("plugin exited before we could connect") }
        throw PluginHostError("timeout while waiting for plugin to start")
    }

    /// Bytes the plugin wrote to stdout after its handshake line (must stay empty).
    public var stdoutAfterHandshake: [UInt8] { state.withLock { $0.extraStdout } }

    /// Everything written to stderr so far, one entry per line.
    public var stderrLines: [String] { state.withLock { $0.stderrLines } }

    /// Exit status (`nil` while running or when killed by a signal).
    public var exitStatus: Int32? { state.withLock { $0.exitStatus } }
    public var terminatingSignal: Int32? { state.withLock { $0.exitSignal } }
    public var hasExited: Bool { state.withLock { $0.exitStatus != nil || $0.exitSignal != nil } }

    /// Waits for the process to exit and its stderr to reach EOF (go-plugin's notion of "exited", so every line
    /// the plugin wrote is in `stderrLines`); returns false on timeout.
    @discardableResult
    public func waitForExit(timeout: Duration) -> Bool {
        let nanos = Int(timeout.components.seconds) * 1_000_000_000 + Int(timeout.components.attoseconds / 1_000_000_000)
        let deadline = DispatchTime.now() + .nanoseconds(nanos)
        guard exitSignal.wait(timeout: deadline) == .success else { return hasExited }
        exitSignal.signal()  // let later waiters through
        if stderrClosed.wait(timeout: deadline) == .success { stderrClosed.signal() }
        return true
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }
}
