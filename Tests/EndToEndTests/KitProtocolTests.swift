import Foundation
import PluginHost
import Testing
import VeleroPluginKit

/// The kit's wire behaviour, checked through a real plugin process (kit-test-plugin) driven like Velero drives it.
@Suite struct KitProtocolTests {
    @Test func binaryRunWithoutTheCookieExplainsItselfAndExitsOne() throws {
        let process = try PluginProcess(path: try BuiltBinaries.kitTestPlugin, arguments: [], cookie: false)
        #expect(process.waitForExit(timeout: .seconds(10)))
        #expect(process.exitStatus == 1)
        #expect(process.stderrLines == [
            "This binary is a plugin. These are not meant to be executed directly.",
            "Please execute the program that consumes these plugins, which will",
            "load any plugins automatically",
        ])
        #expect(throws: PluginHostError("plugin exited before we could connect")) {
            try process.waitForHandshakeLine(timeout: .seconds(5))
        }
    }

    @Test func copyModeInstallsTheExecutableForTheInitContainerOnlyWithoutTheCookie() throws {
        let target = try makeScratchDirectory()
        let binary = try BuiltBinaries.kitTestPlugin
        let copier = try PluginProcess(path: binary, arguments: ["--copy-to", target], cookie: false)
        #expect(copier.waitForExit(timeout: .seconds(10)))
        #expect(copier.exitStatus == 0)
        let copied = target + "/kit-test-plugin"
        #expect(FileManager.default.contentsEqual(atPath: copied, andPath: binary))
        let mode = try FileManager.default.attributesOfItem(atPath: copied)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o755)
        #expect(copier.stdoutAfterHandshake.isEmpty)

        // Launched by Velero (cookie set) the flag is just another unknown argument: the plugin serves.
        let served = try PluginProcess(path: binary, arguments: ["--copy-to", target])
        #expect(try served.waitForHandshakeLine(timeout: .seconds(10)).hasPrefix("1|2|unix|"))
        served.signal(SIGTERM)
        #expect(served.waitForExit(timeout: .seconds(5)))

        let unwritable = try PluginProcess(path: binary, arguments: ["--copy-to", target + "/missing/dir"], cookie: false)
        #expect(unwritable.waitForExit(timeout: .seconds(10)))
        #expect(unwritable.exitStatus == 1)
        #expect(unwritable.stderrLines.joined().contains("cannot create"))
    }

    @Test func clientCertificateRequestIsRefusedRatherThanServedInPlaintext() throws {
        let process = try PluginProcess(
            path: try BuiltBinaries.kitTestPlugin, arguments: [], environment: ["PLUGIN_CLIENT_CERT": "-----BEGIN CERTIFICATE-----"])
        #expect(process.waitForExit(timeout: .seconds(10)))
        #expect(process.exitStatus == 1)
        #expect(process.stderrLines.joined().contains("PLUGIN_CLIENT_CERT"))
        #expect(process.stdoutAfterHandshake.isEmpty)
    }

    @Test func handshakeLineHasGoPluginsExactShapeAndTheSocketIsPrivate() async throws {
        let dir = try makeScratchDirectory()
        let host = try await PluginHost(
            path: try BuiltBinaries.kitTestPlugin, arguments: ["--log-level", "debug", "--features=EnableCSI"],
            environment: ["PLUGIN_UNIX_SOCKET_DIR": dir], handshakeTimeout: .seconds(10))
        let line = host.handshake.line
        #expect(line == "1|2|unix|\(host.handshake.address)|grpc|")
        let address = host.handshake.address
        #expect(address.hasPrefix(dir + "/plugin-"))
        let name = (address as NSString).lastPathComponent
        #expect(name.hasPrefix("plugin") && UInt32(name.dropFirst("plugin".count)) != nil)
        #expect(address.utf8.count < 108)
        let attributes = try FileManager.default.attributesOfItem(atPath: (address as NSString).deletingLastPathComponent)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o700)
        #expect(try FileManager.default.attributesOfItem(atPath: address)[.type] as? FileAttributeType == .typeSocket)

        let report = await host.kill()
        #expect(report.exitedGracefully)
        #expect(report.exitStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: address), "the socket is removed at shutdown")
        #expect(!FileManager.default.fileExists(atPath: (address as NSString).deletingLastPathComponent))
        #expect(host.process.stdoutAfterHandshake.isEmpty)
    }

    @Test func healthAnswersServingForPluginAndEmptyNotFoundOtherwise() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        #expect(try await host.healthCheck(service: "plugin") == HealthCheckResponse.serving)
        #expect(try await host.healthCheck(service: "") == HealthCheckResponse.serving)
        await #expect(throws: PluginCallError(code: GRPCCode.notFound, message: "unknown service", status: nil)) {
            try await host.healthCheck(service: "velero")
        }
        let raw = try await host.call("/grpc.health.v1.Health/Check", HealthCheckRequest(service: "plugin").encoded())
        #expect(raw == [0x08, 0x01])
    }

    @Test func unregisteredMethodsAreAnsweredUnimplemented() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        for method in ["/generated.ObjectStore/Init", "/grpc.health.v1.Health/Watch", "/nothing/Here"] {
            let outcome = await host.channel.unary(method, [])
            #expect(outcome.code == GRPCCode.unimplemented, "\(method)")
        }
    }

    @Test func unaryCallsWaitingForTheirRequestNeitherBlockOthersNorShutdown() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        // More calls than the method has armed slots, each opened without its request message yet.
        let waiting = try (0..<6).map { _ in try host.channel.openStream("/generated.BackupItemAction/Execute", request: nil) }
        let item = Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"#.utf8)
        for _ in 0..<3 {
            let response = try await host.backupExecute(name: "test.velero.io/echo", item: item, backup: Array("{}".utf8))
            #expect(response.item == item)
        }
        for stream in waiting.prefix(3) { stream.cancel() }
        for stream in waiting.prefix(3) { #expect(await stream.finished().code == GRPCCode.cancelled) }
        // The other three are still waiting at Shutdown, which ends them and exits cleanly.
        let report = await host.kill()
        #expect(report.exitedGracefully)
        #expect(report.exitStatus == 0)
        for stream in waiting.suffix(3) { #expect(await stream.finished().code != GRPCCode.ok) }
    }

    @Test func listPluginsGroupsByKindInGoOrderWithArgvZeroAsCommand() async throws {
        let path = try BuiltBinaries.kitTestPlugin
        let host = try await PluginHost(path: path, arguments: ["--features=EnableCSI"], handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let plugins = try await host.listPlugins()
        #expect(plugins.map { "\($0.kind) \($0.name)" } == [
            "BackupItemAction test.velero.io/barrier",
            "BackupItemAction test.velero.io/crash",
            "BackupItemAction test.velero.io/echo",
            "BackupItemAction test.velero.io/fail",
            "BackupItemAction test.velero.io/large",
            "BackupItemAction test.velero.io/panic",
            "BackupItemAction test.velero.io/stray-print",
            "BackupItemActionV2 test.velero.io/operation",
            "RestoreItemAction test.velero.io/echo-restore",
            "RestoreItemActionV2 test.velero.io/operation-restore",
            "ItemBlockAction test.velero.io/echo-block",
        ])
        #expect(plugins.allSatisfy { $0.command == path })
    }

    @Test func executeEchoesTheRequestBytesWhenTheActionChangesNothing() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let item = Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","uid":9007199254740993}}"#.utf8)
        let response = try await host.backupExecute(name: "test.velero.io/echo", item: item, backup: Array("{}".utf8))
        #expect(response.item == item)
        #expect(response.additionalItems == [
            ResourceIdentifier(group: "", resource: "persistentvolumeclaims", namespace: "ns", name: "pvc-\(item.count)")
        ])
        let selector = try await host.appliesTo(kind: .backupItemAction, name: "test.velero.io/echo")
        #expect(selector == ResourceSelector(includedResources: ["pods"], selector: "app=echo"))

        let restored = try await host.restoreExecute(
            name: "test.velero.io/echo-restore", item: item, itemFromBackup: Array("skip".utf8), restore: [])
        #expect(restored.item == item)
        #expect(restored.skipRestore)
        let related = try await host.getRelatedItems(name: "test.velero.io/echo-block", item: item, backup: [])
        #expect(related == [ResourceIdentifier(group: "kubevirt.io", resource: "virtualmachineinstances", namespace: "ns", name: "vm1")])
    }

    @Test func actionErrorsArriveAsUnknownWithOneStackFrameAndConsistentDetails() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        do {
            _ = try await host.backupExecute(name: "test.velero.io/fail", item: Array("{}".utf8), backup: [])
            Issue.record("expected an error")
        } catch let error as PluginCallError {
            #expect(error.code == GRPCCode.unknown)
            #expect(error.message == "VM cannot be safely backed up: test failure for {}")
            #expect(error.description == "rpc error: code = Unknown desc = VM cannot be safely backed up: test failure for {}")
            // grpc-go replaces the status with INTERNAL unless the details repeat code and message exactly.
            #expect(error.status?.code == GRPCCode.unknown)
            #expect(error.status?.message == error.message)
            #expect(error.status?.details.map(\.typeURL) == ["type.googleapis.com/generated.Stack"])
            let frame = try #require(error.stack.first)
            #expect(error.stack.count == 1)
            #expect(frame.file == "kit_test_plugin/main.swift")
            #expect(frame.line > 0)
            #expect(frame.function == "kit_test_plugin.execute(item:backup:)")
        }
    }

    @Test func batchedLogLinesReachStderrInOrderWhileThePluginRuns() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        for index in 0..<20 {
            _ = try await host.backupExecute(name: "test.velero.io/stray-print", item: Array("\(index)".utf8), backup: [])
        }
        func strayLines() -> Int {
            host.process.stderrLines.compactMap(PluginLogLine.init).filter { $0.message.contains("stray output") }.count
        }
        let deadline = ContinuousClock.now + .seconds(2)
        while strayLines() < 20 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(strayLines() == 20, "every line arrives within the batch delay, not only at exit")
        #expect(host.process.stderrLines.allSatisfy { PluginLogLine($0) != nil }, "batches are whole lines")
    }

    @Test func aCrashWritesTheLinesStillWaitingForTheirBatchThenTheCrashLine() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        for index in 0..<3 {
            _ = try await host.backupExecute(name: "test.velero.io/stray-print", item: Array("\(index)".utf8), backup: [])
        }
        await #expect(throws: (any Error).self) {
            _ = try await host.backupExecute(name: "test.velero.io/crash", item: Array("item-7".utf8), backup: [])
        }
        #expect(host.process.waitForExit(timeout: .seconds(10)))
        #expect(host.process.exitStatus == nil, "killed by the signal, not exited")
        let lines = host.process.stderrLines
        #expect(lines.allSatisfy { PluginLogLine($0) != nil }, "\(lines)")
        let messages = lines.compactMap(PluginLogLine.init).map(\.message)
        let before = try #require(messages.firstIndex { $0 == "about to crash on purpose: item-7" })
        let crash = try #require(messages.firstIndex { $0.hasPrefix("plugin process crashed (fatal signal)") })
        #expect(before < crash)
        #expect(messages.filter { $0.contains("stray output from an action") }.count == 3, "no line is lost")
        #expect(crash == messages.count - 1)
    }

    @Test func panicsArriveAsAbortedPluginPanicked() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        do {
            _ = try await host.backupExecute(name: "test.velero.io/panic", item: Array("{}".utf8), backup: [])
            Issue.record("expected an error")
        } catch let error as PluginCallError {
            #expect(error.code == GRPCCode.aborted)
            #expect(error.message == "plugin panicked: index out of range in test")
            #expect(error.status?.code == GRPCCode.aborted)
            #expect(error.stack.count == 1)
        }
        // the process is still serving
        #expect(try await host.healthCheck() == HealthCheckResponse.serving)
    }

    @Test func unknownPluginNamesGetVelerosNotFoundText() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        await #expect {
            _ = try await host.backupExecute(name: "test.velero.io/missing", item: [], backup: [])
        } throws: { error in
            guard let error = error as? PluginCallError else { return false }
            return error.code == GRPCCode.unknown
                && error.message == " plugin: test.velero.io/missing was not found or has an invalid name format"
                && error.status?.message == error.message
        }
        // a name registered under another kind is not found either
        await #expect(throws: PluginCallError.self) {
            _ = try await host.appliesTo(kind: .restoreItemAction, name: "test.velero.io/echo")
        }
    }

    @Test func v2OperationsAndProgressTravelIntact() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let item = Array(#"{"kind":"DataUpload"}"#.utf8)
        let execute = try BackupExecuteResponse(decoding: try await host.call(
            "/v2.BackupItemAction/Execute", BackupExecuteRequest(plugin: "test.velero.io/operation", item: item, backup: []).encoded()))
        #expect(execute.item == item)
        #expect(execute.operationID == "op-1")
        #expect(execute.postOperationItems.map(\.name) == ["p"])
        let progress = try OperationProgress(decodingResponse: try await host.call(
            "/v2.BackupItemAction/Progress", OperationRequest(plugin: "test.velero.io/operation", operationID: "op-1", payload: []).encoded()))
        #expect(progress.completed)
        #expect(progress.nTotal == 5)
        #expect(progress.started == .goZeroTime, "unknown times are Go's zero time, never absent")
        let restore = try RestoreExecuteResponse(decoding: try await host.call(
            "/v2.RestoreItemAction/Execute",
            RestoreExecuteRequest(plugin: "test.velero.io/operation-restore", item: item, restore: [], itemFromBackup: item).encoded()))
        #expect(restore.operationID == "restore-op")
        #expect(restore.waitForAdditionalItems)
        #expect(restore.additionalItemsReadyTimeout == ProtoTime(seconds: 0))
        let ready = try ItemsReadyResponse.decode(try await host.call(
            "/v2.RestoreItemAction/AreAdditionalItemsReady",
            ItemsReadyRequest(plugin: "test.velero.io/operation-restore", restore: [], additionalItems: [
                ResourceIdentifier(group: "", resource: "pods", namespace: "ns", name: "p")
            ]).encoded()))
        #expect(ready)
    }

    @Test func fourMebibyteRequestsAreAcceptedAndLargerOnesRejectedCleanly() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let limit = 4 * 1024 * 1024
        let overhead = BackupExecuteRequest(plugin: "test.velero.io/echo", item: [], backup: []).encoded().count + 8
        let fits = [UInt8](repeating: UInt8(ascii: "a"), count: limit - overhead)
        let accepted = try await host.backupExecute(name: "test.velero.io/echo", item: fits, backup: [])
        #expect(accepted.item.count == fits.count)

        let tooLarge = [UInt8](repeating: UInt8(ascii: "a"), count: 5 * 1024 * 1024)
        let outcome = await host.channel.unary(
            "/generated.BackupItemAction/Execute",
            BackupExecuteRequest(plugin: "test.velero.io/echo", item: tooLarge, backup: []).encoded())
        #expect(outcome.code == GRPCCode.resourceExhausted)
        #expect(try await host.healthCheck() == HealthCheckResponse.serving, "the plugin keeps serving")

        // responses have no limit
        let large = try await host.backupExecute(name: "test.velero.io/large", item: [], backup: Array("\(6 * 1024 * 1024)".utf8))
        #expect(large.item.count == 6 * 1024 * 1024)
    }

    @Test func sixteenConcurrentExecuteCallsRunInParallel() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let peaks = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<16 {
                group.addTask {
                    let response = try await host.backupExecute(
                        name: "test.velero.io/barrier", item: Array("{\"i\":\(index)}".utf8), backup: Array("16".utf8))
                    let text = String(decoding: response.item, as: UTF8.self)
                    return Int(text.split(separator: ":").last?.dropLast() ?? "") ?? -1
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(peaks.count == 16)
        #expect(peaks.allSatisfy { $0 == 16 }, "every call saw all 16 in flight together: \(peaks)")
    }

    @Test func shutdownEndsHeldStreamsAndExitsZeroWithoutSIGKILL() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        _ = try await host.listPlugins()
        let report = await host.kill()
        #expect(report.exitedGracefully, "exited within go-plugin's 2 s wait")
        #expect(report.exitStatus == 0)
        #expect(host.process.terminatingSignal == nil)
    }

    @Test func sigtermStopsGracefullyAndRemovesTheSocket() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, handshakeTimeout: .seconds(10))
        host.process.signal(SIGTERM)
        #expect(host.process.waitForExit(timeout: .seconds(5)))
        #expect(host.process.exitStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: host.handshake.address))
        host.channel.close()
    }

    @Test func stderrCarriesOnlyVeleroParsableJSONLinesAndStdoutStaysSilent() async throws {
        let host = try await PluginHost(
            path: try BuiltBinaries.kitTestPlugin, arguments: ["--log-level", "debug", "--unknown-flag", "x", "--other=y"],
            handshakeTimeout: .seconds(10))
        _ = try await host.listPlugins()
        _ = try? await host.backupExecute(name: "test.velero.io/fail", item: [], backup: [])
        await host.kill()
        let lines = host.process.stderrLines
        #expect(!lines.isEmpty)
        for line in lines {
            let parsed = try #require(PluginLogLine(line), "not a Velero log line: \(line)")
            #expect(["trace", "debug", "info", "warn", "error"].contains(parsed.level))
            #expect(parsed.nonStringKeys.isEmpty)
            #expect(parsed.fields["@logSourceSetBy"] == "plugin")
            #expect(parsed.fields["logSource"]?.contains(":") == true)
            #expect(parsed.fields["@timestamp"] == nil)
            #expect(line.utf8.count < 64 * 1024)
        }
        #expect(lines.compactMap(PluginLogLine.init).contains { $0.message == "Setting log level to DEBUG" })
        #expect(host.process.stdoutAfterHandshake.isEmpty)
    }

    @Test func logLevelFiltersLinesAndBadValuesFallBackToInfoWithAWarning() async throws {
        let quiet = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, arguments: ["--log-level=error"], handshakeTimeout: .seconds(10))
        await quiet.kill()
        #expect(quiet.process.stderrLines.compactMap(PluginLogLine.init).allSatisfy { $0.level == "error" })

        let odd = try await PluginHost(path: try BuiltBinaries.kitTestPlugin, arguments: ["--log-level", "loud"], handshakeTimeout: .seconds(10))
        await odd.kill()
        let lines = odd.process.stderrLines.compactMap(PluginLogLine.init)
        #expect(lines.contains { $0.level == "warn" && $0.message.contains("loud") })
        #expect(!lines.contains { $0.level == "debug" })
    }
}
