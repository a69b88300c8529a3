import Foundation
import PluginHost
import Testing
import VeleroPluginKit

/// The bad-input contract (issue #8), through the launched plugin binary: every action, every kind of broken item
/// Velero could send. Each call either succeeds with a JSON item or fails with UNKNOWN and a message that names the
/// object whenever the item carries a name; the process keeps serving, logs only JSON lines and writes nothing to
/// stdout.
@Suite struct BadInputContractTests {
    static let prefix = "kubevirt-velero-plugin/"

    enum Call: CaseIterable {
        case dvBackup, pvcBackup, vmBackup, vmiBackup, snapshotBackup, revisionRestore, dvRestore, nadRestore, podRestore, pvcRestore
        case vmRestore, vmiRestore, snapshotRestore, itemBlock
        case operationBackup, operationClone, operationExport, operationMigration, operationRestore, operationSnapshot
        case operationSnapshotContent, poolRestore

        var name: String {
            switch self {
            case .dvBackup: "backup-datavolume-action"
            case .pvcBackup: "backup-pvc-action"
            case .vmBackup: "backup-virtualmachine-action"
            case .vmiBackup: "backup-virtualmachineinstance-action"
            case .snapshotBackup: "backup-volumesnapshot-action"
            case .revisionRestore: "restore-controllerrevision-action"
            case .dvRestore: "restore-datavolume-action"
            case .nadRestore: "restore-networkattachmentdefinition-action"
            case .podRestore: "restore-pod-action"
            case .pvcRestore: "restore-pvc-action"
            case .vmRestore: "restore-vm-action"
            case .vmiRestore: "restore-vmi-action"
            case .snapshotRestore: "restore-volumesnapshot-action"
            case .itemBlock: "virtualmachine-itemblock-action"
            case .operationBackup: "restore-virtualmachinebackup-action"
            case .operationClone: "restore-virtualmachineclone-action"
            case .operationExport: "restore-virtualmachineexport-action"
            case .operationMigration: "restore-virtualmachineinstancemigration-action"
            case .operationRestore: "restore-virtualmachinerestore-action"
            case .operationSnapshot: "restore-virtualmachinesnapshot-action"
            case .operationSnapshotContent: "restore-virtualmachinesnapshotcontent-action"
            case .poolRestore: "restore-virtualmachinepool-action"
            }
        }

        /// The kind of object this action is registered for.
        var kind: String {
            switch self {
            case .dvBackup, .dvRestore: "DataVolume"
            case .nadRestore: "NetworkAttachmentDefinition"
            case .pvcBackup, .pvcRestore: "PersistentVolumeClaim"
            case .vmBackup, .vmRestore, .itemBlock: "VirtualMachine"
            case .vmiBackup, .vmiRestore: "VirtualMachineInstance"
            case .snapshotBackup, .snapshotRestore: "VolumeSnapshot"
            case .podRestore: "Pod"
            case .revisionRestore: "ControllerRevision"
            case .operationBackup: "VirtualMachineBackup"
            case .operationClone: "VirtualMachineClone"
            case .operationExport: "VirtualMachineExport"
            case .operationMigration: "VirtualMachineInstanceMigration"
            case .operationRestore: "VirtualMachineRestore"
            case .operationSnapshot: "VirtualMachineSnapshot"
            case .operationSnapshotContent: "VirtualMachineSnapshotContent"
            case .poolRestore: "VirtualMachinePool"
            }
        }

        func run(_ host: PluginHost, item: [UInt8], context: [UInt8] = Array("{}".utf8)) async throws -> [UInt8] {
            switch self {
            case .dvBackup, .pvcBackup, .vmBackup, .vmiBackup, .snapshotBackup:
                return try await host.backupExecute(name: prefix + name, item: item, backup: context).item
            case .itemBlock:
                _ = try await host.getRelatedItems(name: prefix + name, item: item, backup: context)
                return item
            default:
                return try await host.restoreExecute(name: prefix + name, item: item, itemFromBackup: item, restore: context).item
            }
        }
    }

    /// Items that are broken for every action: nothing can be done with them but a clear error.
    static let unusable: [(String, String)] = [
        ("malformed JSON", #"{"apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "metadata": {"name": "vm1""#),
        ("non-object JSON", "[1,2,3]"),
        ("a bare string", #""VirtualMachine""#),
        ("empty item", ""),
        ("invalid UTF-8", "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\u{1}\"}}"),  // replaced below with raw bytes
        ("deep nesting", String(repeating: "[", count: 100_000)),
    ]

    static func bytes(_ label: String, _ text: String) -> [UInt8] {
        if label == "invalid UTF-8" { return Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":""#.utf8) + [0xC3, 0x28, 0xFF] + Array(#""}}"#.utf8) }
        return Array(text.utf8)
    }

    /// Items that are broken in one place; the object has a name the error must carry.
    static func damaged(kind: String) -> [(String, String)] {
        let apiVersion = kind == "VirtualMachine" || kind == "VirtualMachineInstance" ? "kubevirt.io/v1" : "v1"
        return [
            ("missing metadata", #"{"apiVersion":"\#(apiVersion)","kind":"\#(kind)","spec":{}}"#),
            ("missing name", #"{"apiVersion":"\#(apiVersion)","kind":"\#(kind)","metadata":{"namespace":"ns"}}"#),
            ("missing namespace", #"{"apiVersion":"\#(apiVersion)","kind":"\#(kind)","metadata":{"name":"obj1"}}"#),
            ("labels as a list", #"{"apiVersion":"\#(apiVersion)","kind":"\#(kind)","metadata":{"name":"obj1","namespace":"ns","labels":["a"]}}"#),
            ("annotations as a string", #"{"apiVersion":"\#(apiVersion)","kind":"\#(kind)","metadata":{"name":"obj1","namespace":"ns","annotations":"x"}}"#),
            ("interfaces as an object", #"{"apiVersion":"\#(apiVersion)","kind":"\#(kind)","metadata":{"name":"obj1","namespace":"ns"},"spec":{"domain":{"devices":{"interfaces":{"name":"x"}}},"template":{"spec":{"domain":{"devices":{"interfaces":{"name":"x"}}},"volumes":"nope"}}},"status":{"printableStatus":7,"conditions":"x"}}"#),
            ("wrong kind for the action", #"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"obj1","namespace":"ns"},"data":{}}"#),
        ]
    }

    func withPlugin(_ body: (PluginHost) async throws -> Void) async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, handshakeTimeout: .seconds(10))
        do {
            try await body(host)
        } catch {
            await host.kill()
            throw error
        }
        #expect(try await host.healthCheck() == HealthCheckResponse.serving, "bad input never takes the process down")
        let report = await host.kill()
        #expect(report.exitStatus == 0 && report.exitedGracefully)
        #expect(host.process.stdoutAfterHandshake.isEmpty, "nothing on stdout after the handshake")
        #expect(host.process.stderrLines.allSatisfy { PluginLogLine($0) != nil }, "every stderr line is a Velero log line")
    }

    @Test func unusableItemsAreClearErrorsForEveryAction() async throws {
        try await withPlugin { host in
            for call in Call.allCases {
                for (label, text) in Self.unusable {
                    do {
                        _ = try await call.run(host, item: Self.bytes(label, text))
                        Issue.record("\(call.name) accepted \(label)")
                    } catch let error as PluginCallError {
                        #expect(error.code == GRPCCode.unknown, "\(call.name), \(label): \(error)")
                        #expect(!error.message.isEmpty)
                    }
                }
            }
        }
    }

    @Test func damagedItemsAreAnsweredAndErrorsNameTheObject() async throws {
        try await withPlugin { host in
            for call in Call.allCases {
                for (label, text) in Self.damaged(kind: call.kind) {
                    do {
                        let item = try await call.run(host, item: Array(text.utf8))
                        #expect((try? JSONSerialization.jsonObject(with: Data(item))) != nil, "\(call.name), \(label): the answer is JSON")
                    } catch let error as PluginCallError {
                        #expect(error.code == GRPCCode.unknown, "\(call.name), \(label): \(error)")
                        if text.contains(#""name":"obj1""#) {
                            #expect(error.message.contains("obj1"), "\(call.name), \(label): the error names the object: \(error.message)")
                        }
                    }
                }
            }
        }
    }

    @Test func invalidBackupAndRestoreObjectsAreErrors() async throws {
        try await withPlugin { host in
            let vm = apiObject(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{}}}}"#)
            for context in ["{not json", "[]", #"{"spec":{"includedResources":"pods"}}"#, #"{"metadata":{"labels":["x"]}}"#] {
                for call in [Call.vmBackup, .vmRestore, .itemBlock] {
                    do {
                        _ = try await call.run(host, item: vm, context: Array(context.utf8))
                        // A Backup or Restore without the fields an action reads may be accepted; a broken one may not.
                        #expect(context.hasPrefix("{\"spec") || context.hasPrefix("{\"metadata"), "\(call.name) accepted \(context)")
                    } catch let error as PluginCallError {
                        #expect(error.code == GRPCCode.unknown && !error.message.isEmpty, "\(call.name), \(context): \(error)")
                    }
                }
            }
        }
    }

    @Test func aFourMebibyteItemIsAcceptedAndALargerRequestIsRefusedByGRPC() async throws {
        try await withPlugin { host in
            let head = #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"big","namespace":"ns","uid":"u1","annotations":{"padding":""#
            let tail = #""}},"spec":{}}"#
            let overhead = BackupExecuteRequest(plugin: Self.prefix + Call.pvcBackup.name, item: [], backup: Array("{}".utf8)).encoded().count + 16
            let padding = String(repeating: "x", count: 4 * 1024 * 1024 - overhead - head.utf8.count - tail.utf8.count)
            let item = Array((head + padding + tail).utf8)
            let labelled = try await Call.pvcBackup.run(host, item: item)
            #expect(labelled.count > item.count, "the 4 MiB PVC came back with its pvc-uid label")

            let tooLarge = Array((head + padding + padding.prefix(1024 * 1024) + tail).utf8)
            let outcome = await host.channel.unary(
                "/generated.BackupItemAction/Execute",
                BackupExecuteRequest(plugin: Self.prefix + Call.pvcBackup.name, item: tooLarge, backup: Array("{}".utf8)).encoded())
            #expect(outcome.code == GRPCCode.resourceExhausted)
        }
    }
}
