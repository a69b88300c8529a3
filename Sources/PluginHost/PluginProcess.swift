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
        var stderrBytes = 0
        var droppedStderrLines = 0
        var droppedStdoutBytes = 0
    }

    /// What is kept of a plugin's output: a plugin that writes without end must not take the host's memory with it.
    public struct OutputLimits: Sendable {
        /// Longest stderr line kept (longer ones are cut and marked); Velero's own reader stops at 64 KiB.
        public var maxLineBytes = 1 << 20
        /// Stderr kept in all; later lines are counted in `droppedStderrLines`.
        public var maxStderrBytes = 64 << 20
        /// Stdout kept after the handshake line (there should be none).
        public var maxStdoutBytes = 1 << 20
        public init() {}
    }

    private let limits: OutputLimits

    private let state = Mutex(State())
    private let handshakeSignal = DispatchSemaphore(value: 0)
    private let exitSignal = DispatchSemaphore(value: 0)
    private let stderrClosed = DispatchSemaphore(value: 0)
    private let stdoutClosed = DispatchSemaphore(value: 0)

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
        wrapper: [String] = [], inheritEnvironment: Bool = true, limits: OutputLimits = OutputLimits()
    ) throws {
        self.path = path
        self.limits = limits
        var env = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        for (key, value) in Self.goPluginEnvironment where cookie || key != "VELERO_PLUGIN" { env[key] = value }
        if !cookie { env.removeValue(forKey: "VELERO_PLUGIN") }
        for (key, value) in environment { env[key] = value }

        var stdoutPipe: [Int32] = [-1, -1]
        var stderrPipe: [Int32] = [-1, -1]
        guard gs_pipe_cloexec(&stdoutPipe) == 0, gs_pipe_cloexec(&stderrPipe) == 0 else {
            throw PluginHostError("cannot create pipes: \(String(cString: strerror(errno)))")
        }
        // Forked on a thread that lives as long as this process, with PR_SET_PDEATHSIG: a host that is killed takes
        // its plugins with it (Sources/CGRPCShim/process/gs_spawn.c). The child starts as Go's os/exec starts one: no blocked
        // signals and default dispositions, whatever the spawning thread had (Swift's thread pools block some).
        let argv = wrapper + [path] + arguments
        let executable = wrapper.first ?? path
        let envp = env.map { "\($0.key)=\($0.value)" }
        var spawnError: Int32 = 0
        let child = Self.withCStrings(argv) { cArgv in
            Self.withCStrings(envp) { cEnv in
                gs_spawn_tied_to_host(executable, cArgv, cEnv, stdoutPipe[1], stderrPipe[1], &spawnError)
            }
        }
        let rc = child < 0 ? spawnError : 0
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
            process.stdoutClosed.signal()
        }
        let limits = self.limits
        Thread.detachNewThread {
            var pending: [UInt8] = []
            var cutting = false  // inside a line already cut at maxLineBytes: skip to its newline
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(stderr, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                var chunk = buffer[0..<count]
                while !chunk.isEmpty {
                    let newline = chunk.firstIndex(of: 10)
                    let piece = chunk[..<(newline ?? chunk.endIndex)]
                    chunk = newline.map { chunk[($0 + 1)...] } ?? chunk[chunk.endIndex...]
                    if !cutting {
                        let room = limits.maxLineBytes - pending.count
                        pending.append(contentsOf: piece.prefix(room))
                        if piece.count > room {
                            process.keepStderrLine(pending, cut: true)
                            pending = []
                            cutting = true
                        }
                    }
                    if newline != nil {
                        if !cutting { process.keepStderrLine(pending, cut: false) }
                        pending = []
                        cutting = false
                    }
                }
            }
            if !pending.isEmpty { process.keepStderrLine(pending, cut: false) }
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

    private func keepStderrLine(_ bytes: [UInt8], cut: Bool) {
        let line = String(decoding: bytes, as: UTF8.self) + (cut ? " …[line cut at \(limits.maxLineBytes) bytes]" : "")
        state.withLock { state in
            guard state.stderrBytes + bytes.count <= limits.maxStderrBytes else {
                state.droppedStderrLines += 1
                return
            }
            state.stderrBytes += bytes.count
            state.stderrLines.append(line)
        }
    }

    private func consumeStdout(_ bytes: ArraySlice<UInt8>, pending: inout [UInt8]) {
        let maxStdout = limits.maxStdoutBytes
        let gotLine = state.withLock { state -> Bool in
            func keep(_ extra: ArraySlice<UInt8>) {
                let room = max(0, maxStdout - state.extraStdout.count)
                state.extraStdout.append(contentsOf: extra.prefix(room))
                state.droppedStdoutBytes += max(0, extra.count - room)
            }
            if state.handshakeLine != nil {
                keep(bytes)
                return false
            }
            pending.append(contentsOf: bytes)
            guard let newline = pending.firstIndex(of: 10) else {
                // go-plugin reads the handshake with a line scanner; a "line" this long is not one.
                if pending.count > maxStdout {
                    state.handshakeLine = String(decoding: pending.prefix(4096), as: UTF8.self)
                    pending = []
                    return true
                }
                return false
            }
            state.handshakeLine = String(decoding: pending[..<newline], as: UTF8.self)
            keep(pending[(newline + 1)...])
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

    /// Everything written to stderr so far, one entry per line, within `OutputLimits`.
    public var stderrLines: [String] { state.withLock { $0.stderrLines } }

    /// Stderr lines not kept because `OutputLimits.maxStderrBytes` was reached.
    public var droppedStderrLines: Int { state.withLock { $0.droppedStderrLines } }

    /// Stdout bytes after the handshake beyond `OutputLimits.maxStdoutBytes`.
    public var droppedStdoutBytes: Int { state.withLock { $0.droppedStdoutBytes } }

    /// Exit status (`nil` while running or when killed by a signal).
    public var exitStatus: Int32? { state.withLock { $0.exitStatus } }
    public var terminatingSignal: Int32? { state.withLock { $0.exitSignal } }
    public var hasExited: Bool { state.withLock { $0.exitStatus != nil || $0.exitSignal != nil } }

    /// Waits for the process to exit and its stderr and stdout to reach EOF (go-plugin's notion of "exited", so every
    /// line the plugin wrote is in `stderrLines` and `stdoutAfterHandshake`); returns false on timeout.
    @discardableResult
    public func waitForExit(timeout: Duration) -> Bool {
        let nanos = Int(timeout.components.seconds) * 1_000_000_000 + Int(timeout.components.attoseconds / 1_000_000_000)
        let deadline = DispatchTime.now() + .nanoseconds(nanos)
        guard exitSignal.wait(timeout: deadline) == .success else { return hasExited }
        exitSignal.signal()  // let later waiters through
        if stderrClosed.wait(timeout: deadline) == .success { stderrClosed.signal() }
        if stdoutClosed.wait(timeout: deadline) == .success { stdoutClosed.signal() }
        return true
    }

    public func signal(_ signal: Int32) { kill(pid, signal) }
}
