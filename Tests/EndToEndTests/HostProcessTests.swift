import Foundation
import PluginHost
import Testing

/// The host side of a plugin process: what it keeps of the plugin's output, and that a plugin never outlives it.
@Suite struct HostProcessTests {
    @Test func outputKeptInMemoryIsBounded() throws {
        var limits = PluginProcess.OutputLimits()
        limits.maxLineBytes = 100
        limits.maxStderrBytes = 1000
        limits.maxStdoutBytes = 10
        let script = """
            echo handshake
            printf '%0500d\\n' 0 >&2
            i=0; while [ $i -lt 200 ]; do echo "line-$i" >&2; i=$((i+1)); done
            printf 'no newline at the end %02000d' 0 >&2
            printf '0123456789abcdef'
            """
        let process = try PluginProcess(path: "/bin/sh", arguments: ["-c", script], cookie: false, limits: limits)
        #expect(try process.waitForHandshakeLine(timeout: .seconds(10)) == "handshake")
        #expect(process.waitForExit(timeout: .seconds(10)))
        let lines = process.stderrLines
        #expect(lines.first == String(repeating: "0", count: 100) + " …[line cut at 100 bytes]")
        #expect(lines.dropFirst().first == "line-0", "the rest of the cut line is skipped, the next line is kept")
        #expect(lines.reduce(0) { $0 + $1.utf8.count } < 1000 + 100)
        #expect(process.droppedStderrLines > 50, "about 125 of the 202 lines fit in 1000 bytes")
        #expect(process.stdoutAfterHandshake == Array("0123456789".utf8))
        #expect(process.droppedStdoutBytes == 6)
    }

    /// A host killed with SIGKILL cannot stop its plugins itself; the kernel does (PR_SET_PDEATHSIG, set on the
    /// one thread every plugin is forked from).
    @Test func aKilledHostDoesNotLeaveItsPluginRunning() throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pidFile = directory + "/plugin.pid"
        // Never answers the handshake: the host waits for it, with the plugin running. Committed, not written
        // here (Stubs/README.md: ETXTBSY); the host passes its environment on to the plugin.
        let plugin = InstallDepsTests.repository + "/Tests/EndToEndTests/Stubs/silent-plugin"
        let host = Process()
        host.executableURL = URL(fileURLWithPath: try BuiltBinaries.path("velero-plugin-host"))
        host.arguments = ["backup", "--manifests", HostCLITests.demo, "--plugin", plugin]
        host.environment = ProcessInfo.processInfo.environment.merging(["SILENT_PLUGIN_PID_FILE": pidFile]) { $1 }
        host.standardOutput = FileHandle.nullDevice
        host.standardError = FileHandle.nullDevice
        try host.run()
        let started = Date()
        while !FileManager.default.fileExists(atPath: pidFile) && Date().timeIntervalSince(started) < 30 { usleep(20_000) }
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(kill(pid, 0) == 0, "the plugin runs while its host waits for the handshake")
        kill(host.processIdentifier, SIGKILL)
        host.waitUntilExit()
        let killed = Date()
        var alive = true
        while alive && Date().timeIntervalSince(killed) < 5 {
            // The plugin's parent is gone, so it is reparented and reaped by init (or a subreaper) once it dies.
            alive = kill(pid, 0) == 0 && !Self.isZombie(pid)
            if alive { usleep(20_000) }
        }
        if alive { kill(pid, SIGKILL) }
        #expect(!alive, "the plugin died with its host")
    }

    static func isZombie(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(close, offsetBy: 2)...].first == "Z"
    }
}
