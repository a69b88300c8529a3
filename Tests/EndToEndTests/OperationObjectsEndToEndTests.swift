import Foundation
import LosslessJSON
import PluginHost
import Testing
import VeleroPluginKit

/// D12 through the real binary: each of KubeVirt's operation objects is kept out of a restore by its own action, with
/// one Info line naming it and why; the kinds that converge (tracker, replica set, DataImportCron) have no action.
@Suite struct OperationObjectsEndToEndTests {
    static let prefix = "kubevirt-velero-plugin/"
    static let operations = HostCLITests.repository + "/examples/operations-namespace"

    /// One object of each kind, as Velero hands it to a restore item action (status and server-set metadata gone).
    static let objects: [(action: String, item: String)] = [
        ("restore-virtualmachinebackup-action", #"{"apiVersion":"backup.kubevirt.io/v1alpha1","kind":"VirtualMachineBackup","metadata":{"name":"b1","namespace":"ops","finalizers":["backup.kubevirt.io/vmbackup-protection"]},"spec":{"mode":"Push","pvcName":"db-backups","source":{"apiGroup":"kubevirt.io","kind":"VirtualMachine","name":"db"}}}"#),
        ("restore-virtualmachineclone-action", #"{"apiVersion":"clone.kubevirt.io/v1beta1","kind":"VirtualMachineClone","metadata":{"name":"c1","namespace":"ops"},"spec":{"source":{"apiGroup":"kubevirt.io","kind":"VirtualMachine","name":"db"},"target":{"apiGroup":"kubevirt.io","kind":"VirtualMachine","name":"db-clone"}}}"#),
        ("restore-virtualmachineexport-action", #"{"apiVersion":"export.kubevirt.io/v1","kind":"VirtualMachineExport","metadata":{"name":"e1","namespace":"ops"},"spec":{"source":{"apiGroup":"kubevirt.io","kind":"VirtualMachine","name":"db"},"tokenSecretRef":"t","ttlDuration":"2h0m0s"}}"#),
        ("restore-virtualmachineinstancemigration-action", #"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstanceMigration","metadata":{"name":"m1","namespace":"ops","labels":{"kubevirt.io/vmi-name":"db"}},"spec":{"vmiName":"db"}}"#),
        ("restore-virtualmachinerestore-action", #"{"apiVersion":"snapshot.kubevirt.io/v1beta1","kind":"VirtualMachineRestore","metadata":{"name":"r1","namespace":"ops"},"spec":{"target":{"apiGroup":"kubevirt.io","kind":"VirtualMachine","name":"db"},"virtualMachineSnapshotName":"s1"}}"#),
        ("restore-virtualmachinesnapshot-action", #"{"apiVersion":"snapshot.kubevirt.io/v1beta1","kind":"VirtualMachineSnapshot","metadata":{"name":"s1","namespace":"ops"},"spec":{"source":{"apiGroup":"kubevirt.io","kind":"VirtualMachine","name":"db"}}}"#),
        ("restore-virtualmachinesnapshotcontent-action", #"{"apiVersion":"snapshot.kubevirt.io/v1beta1","kind":"VirtualMachineSnapshotContent","metadata":{"name":"vmsnapshot-content-1","namespace":"ops"},"spec":{"source":{"virtualMachine":{"metadata":{"name":"db"}}},"virtualMachineSnapshotName":"s1","volumeBackups":[]}}"#),
    ]

    @Test func eachOperationKindIsSkippedWithOneInfoLineNamingItAndWhy() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        for (action, text) in Self.objects {
            let item = Array(text.utf8)
            let response = try await host.restoreExecute(name: Self.prefix + action, item: item, itemFromBackup: item, restore: Array("{}".utf8))
            #expect(response.skipRestore, "\(action)")
            #expect(response.additionalItems.isEmpty && response.item == item, "\(action) answers the item as it came")
        }
        try await Task.sleep(for: .milliseconds(200))  // the plugin batches its stderr lines
        let infos = host.process.stderrLines.compactMap(PluginLogLine.init).filter { $0.level == "info" }.map(\.message)
        for (action, text) in Self.objects {
            let object = try JSONValue.parse(text)
            let kind = try #require(try object.string(at: ["kind"]))
            let name = try #require(try object.string(at: ["metadata", "name"]))
            #expect(infos.filter { $0.hasPrefix("\(kind) ops/\(name) not restored: ") }.count == 1, "\(action): \(infos)")
        }
    }

    @Test func aBrokenOperationObjectIsAnErrorNamingIt() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let item = Array(#"{"apiVersion":"snapshot.kubevirt.io/v1beta1","kind":"VirtualMachineRestore","metadata":"r1"}"#.utf8)
        await #expect(throws: PluginCallError.self) {
            _ = try await host.restoreExecute(name: Self.prefix + "restore-virtualmachinerestore-action", item: item, itemFromBackup: item, restore: Array("{}".utf8))
        }
        let unnamed = Array(#"{"apiVersion":"snapshot.kubevirt.io/v1beta1","kind":"VirtualMachineRestore","metadata":{"namespace":"ops"}}"#.utf8)
        do {
            _ = try await host.restoreExecute(name: Self.prefix + "restore-virtualmachinerestore-action", item: unnamed, itemFromBackup: unnamed, restore: Array("{}".utf8))
            Issue.record("an operation object without a name was accepted")
        } catch let error as PluginCallError {
            #expect(error.message.contains("VirtualMachineRestore in namespace ops has no metadata.name"), "\(error.message)")
        }
    }

    /// The preview of a namespace restore of examples/operations-namespace: the operations are skipped by their
    /// actions, the VMs, the tracker, the export's token Secret, the VMI replica set and the DataImportCron with its
    /// DataSource come back as they are, and the pool's VMs and revision are left to the pool.
    @Test func aNamespaceRestoreOfTheOperationsExampleRunsNothingAgain() async throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try await HostCLITests().host(["backup", "--manifests", Self.operations, "--include-namespaces", "ops", "--output", directory + "/b"])
        #expect(backup.status == 0, "\(backup.stdout)\n\(backup.stderr)")
        let run = try await HostCLITests().host(["restore", "--from", directory + "/b", "-o", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONValue.parse(Array(run.stdout.utf8))
        let items = try #require(try report.array(at: ["items"])).compactMap(\.objectValue)
        func outcome(_ kind: String, _ name: String) -> (status: String?, actions: [String], log: [String]) {
            let item = items.first { $0["kind"]?.stringValue == kind && $0["name"]?.stringValue == name }
            return (
                (try? item?["outcome"]?.string(at: ["status"])) ?? nil, item?["actions"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                item?["pluginLog"]?.arrayValue?.compactMap(\.stringValue) ?? []
            )
        }
        for (kind, name) in [
            ("VirtualMachineSnapshot", "db-before-upgrade"), ("VirtualMachineSnapshotContent", "vmsnapshot-content-8b9c0d1e-7777-4fc0-9b6c-7d8e9f0a1b08"),
            ("VirtualMachineRestore", "db-rollback"), ("VirtualMachineClone", "db-to-db-clone"), ("VirtualMachineExport", "db-export"),
            ("VirtualMachineBackup", "db-backup-2026-11-26"),
        ] {
            let result = outcome(kind, name)
            #expect(result.status == "skipped", "\(kind) \(name): \(result)")
            #expect(result.actions.last == Self.prefix + "restore-\(kind.lowercased())-action", "\(kind) \(name): \(result)")
            #expect(result.log.count == 1 && result.log[0].hasPrefix("\(kind) ops/\(name) not restored: "), "the preview says why: \(result)")
        }
        for (kind, name) in [
            ("VirtualMachine", "db"), ("VirtualMachine", "db-clone"), ("VirtualMachineBackupTracker", "db-tracker"), ("Secret", "db-export-token"),
            ("VirtualMachineInstanceReplicaSet", "scratch-workers"), ("DataImportCron", "fedora-image-cron"), ("DataSource", "fedora"),
        ] {
            #expect(outcome(kind, name).status == "restored", "\(kind) \(name)")
        }
        // The pool comes back and creates its VMs again; the backed-up VMs and the pool's revision are left to it.
        #expect(outcome("VirtualMachinePool", "web-pool").status == "restored")
        for (kind, name, action) in [
            ("VirtualMachine", "web-pool-0", "restore-vm-action"), ("VirtualMachine", "web-pool-1", "restore-vm-action"),
            ("ControllerRevision", "web-pool-1", "restore-controllerrevision-action"),
        ] {
            let result = outcome(kind, name)
            #expect(result.status == "skipped" && result.actions.last == Self.prefix + action, "\(kind) \(name): \(result)")
            #expect(result.log.count == 1 && result.log[0].hasPrefix("\(kind) ops/\(name) not restored: "), "\(kind) \(name): \(result)")
        }
        #expect(try report.string(at: ["phase"]) == "Completed")

        // Without the pools, the pool's VMs are restored on their own.
        let withoutPools = try await HostCLITests().host(["restore", "--from", directory + "/b", "--exclude-resources", "virtualmachinepools", "-o", "json"])
        #expect(withoutPools.status == 0, "\(withoutPools.stderr)")
        let alone = try #require(try JSONValue.parse(Array(withoutPools.stdout.utf8)).array(at: ["items"])).compactMap(\.objectValue)
        for name in ["web-pool-0", "web-pool-1"] {
            let vm = try #require(alone.first { $0["kind"]?.stringValue == "VirtualMachine" && $0["name"]?.stringValue == name })
            #expect(try vm["outcome"]?.string(at: ["status"]) == "restored", "\(name)")
            #expect(vm["pluginLog"]?.arrayValue?.compactMap(\.stringValue).contains {
                $0 == "VirtualMachine ops/\(name) of VirtualMachinePool ops/web-pool is restored on its own: this restore does not bring back the pool"
            } == true, "\(name): \(vm)")
        }
    }
}
