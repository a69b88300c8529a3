import Foundation
import Synchronization
import PluginHost
import Testing
import VeleroPluginKit

/// Process lifecycle under stress (issue #8): stray stdout, Shutdown and SIGTERM with calls in flight, stale and live
/// sockets of other instances.
@Suite struct LifecycleTests {
    @Test func aStrayPrintInAnActionNeverReachesStdoutAndIsLogged() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        _ = try await host.backupExecute(name: "test.velero.io/stray-print", item: [], backup: [])
        #expect(try await host.healthCheck() == HealthCheckResponse.serving)
        await host.kill()
        #expect(host.process.stdoutAfterHandshake.isEmpty, "stdout after the handshake: \(String(decoding: host.process.stdoutAfterHandshake, as: UTF8.self))")
        let warning = host.process.stderrLines.compactMap(PluginLogLine.init).first { $0.message.contains("stray output from an action") }
        #expect(warning?.level == "warn", "the stray line is reported as a Velero Warn line")
        #expect(host.process.stderrLines.allSatisfy { PluginLogLine($0) != nil })
    }

    /// Barrier calls that wait for more callers than will ever come: in flight until the process stops.
    func startHangingCalls(_ host: PluginHost, count: Int) -> [Task<Bool, Never>] {
        (0..<count).map { _ in
            Task {
                do {
                    _ = try await host.backupExecute(name: "test.velero.io/barrier", item: [], backup: Array("1000".utf8))
                    return true
                } catch {
                    return false
                }
            }
        }
    }

    @Test func shutdownWithCallsInFlightExitsZeroWithinVelerosWait() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        let calls = startHangingCalls(host, count: 4)
        try await Task.sleep(for: .milliseconds(300))
        let start = ContinuousClock.now
        let report = await host.kill()
        #expect(report.exitedGracefully && report.exitStatus == 0, "\(report)")
        for call in calls { #expect(await call.value == false, "an in-flight call is cancelled, not left hanging") }
        #expect(ContinuousClock.now - start < .seconds(8))
        #expect(!FileManager.default.fileExists(atPath: host.handshake.address), "socket removed")
    }

    @Test func sigtermWithCallsInFlightExitsZeroAndRemovesTheSocket() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        let calls = startHangingCalls(host, count: 4)
        try await Task.sleep(for: .milliseconds(300))
        host.process.signal(SIGTERM)
        #expect(host.process.waitForExit(timeout: .seconds(5)))
        #expect(host.process.exitStatus == 0)
        for call in calls { #expect(await call.value == false) }
        #expect(!FileManager.default.fileExists(atPath: host.handshake.address))
        host.channel.close()
    }

    /// The completion-queue loop used to look at SIGTERM only after 100 ms without an event: a call every few
    /// milliseconds kept a terminated plugin serving for as long as the calls came.
    @Test func sigtermIsActedOnWhileCallsKeepArriving() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        let hanging = startHangingCalls(host, count: 2)
        let answered = CallCounter()
        let busy = (0..<3).map { _ in
            Task {
                let until = ContinuousClock.now + .seconds(40)
                while ContinuousClock.now < until && !host.process.hasExited {
                    if (try? await host.healthCheck()) != nil { answered.count.add(1, ordering: .relaxed) }
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }
        }
        // A handful of answers shows the calls are flowing; on two cores shared with the rest of the suite's
        // processes a round trip can take far longer than alone, so the warm-up waits for few of them, generously.
        let warmUp = ContinuousClock.now + .seconds(30)
        while answered.count.load(ordering: .relaxed) < 5 && ContinuousClock.now < warmUp { try await Task.sleep(for: .milliseconds(20)) }
        #expect(answered.count.load(ordering: .relaxed) >= 5, "calls were arriving before the signal")
        host.process.signal(SIGTERM)
        let start = ContinuousClock.now
        #expect(host.process.waitForExit(timeout: .seconds(6)), "the plugin exits while health checks keep arriving")
        #expect(ContinuousClock.now - start < .seconds(6))
        #expect(host.process.exitStatus == 0)
        for task in busy { await task.value }
        for call in hanging { #expect(await call.value == false) }
        host.channel.close()
    }

    @Test func staleSocketsOfKilledPluginsAreRemovedAndLiveOnesNeverTouched() async throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["PLUGIN_UNIX_SOCKET_DIR": directory]
        let live = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, environment: environment, handshakeTimeout: .seconds(10))
        let killed = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, environment: environment, handshakeTimeout: .seconds(10))
        killed.process.signal(SIGKILL)
        killed.process.waitForExit(timeout: .seconds(5))
        let staleDirectory = (killed.handshake.address as NSString).deletingLastPathComponent
        #expect(FileManager.default.fileExists(atPath: killed.handshake.address), "SIGKILL leaves the socket behind")
        // Sockets younger than 2 s are left alone (an instance may be between bind and listen).
        let early = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, environment: environment, handshakeTimeout: .seconds(10))
        #expect(FileManager.default.fileExists(atPath: staleDirectory), "a socket younger than 2 s is not removed")
        await early.kill()
        try await Task.sleep(for: .milliseconds(2100))

        let next = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, environment: environment, handshakeTimeout: .seconds(10))
        #expect(!FileManager.default.fileExists(atPath: staleDirectory), "the dead instance's socket directory is gone")
        #expect(FileManager.default.fileExists(atPath: live.handshake.address), "the live instance keeps its socket")
        #expect(next.handshake.address != live.handshake.address)
        #expect(try await live.healthCheck() == HealthCheckResponse.serving)
        #expect(try await next.healthCheck() == HealthCheckResponse.serving)
        await next.kill()
        await live.kill()
        killed.channel.close()
    }
}

/// Calls answered so far, shared by the tasks that make them.
private final class CallCounter: Sendable {
    let count = Atomic<Int>(0)
}
