import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D12 for VirtualMachinePools: a pool's VMs and ControllerRevisions are left to the pool when the pool is in the
/// backup (recorded at backup) and the restore brings it back (its controller never adopts the owner-less VMs Velero
/// would restore, and creates its replicas again); otherwise they are restored on their own.
@Suite("D12 VirtualMachinePool restore")
struct PoolRestoreTests {
    static let poolOwner: JSONValue = [[
        "apiVersion": "pool.kubevirt.io/v1beta1", "blockOwnerDeletion": true, "controller": true, "kind": "VirtualMachinePool",
        "name": "web-pool", "uid": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
    ]]
    /// The pool's VM as the cluster has it, as backed up (with the D12 and D13 records), and as Velero hands it to
    /// the restore action (ownerReferences and status removed).
    static let liveVM = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine",
         "metadata":{"name":"web-pool-0","namespace":"ops","finalizers":["pool.kubevirt.io/finalizer","kubevirt.io/virtualMachineControllerFinalize"],
          "labels":{"kubevirt.io/vmpool":"web-pool","kubevirt.io/vm-pool-revision-name":"web-pool-1"}},
         "spec":{"runStrategy":"Halted","template":{"spec":{"domain":{"devices":{}}}}},"status":{"printableStatus":"Stopped"}}
        """#).with(["metadata", "ownerReferences"], poolOwner)
    static let backedUpVM = liveVM.with(["metadata", "annotations", "velero.kubevirt.io/pool-in-backup"], "true")
    static let restoredVM = backedUpVM.without(["metadata", "ownerReferences"]).without(["status"])
    static let backedUpRevision = json(#"""
        {"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"web-pool-1","namespace":"ops"},"data":{},"revision":1}
        """#).with(["metadata", "ownerReferences"], poolOwner)

    static func restore(spec: String) -> [UInt8] {
        bytes(#"{"apiVersion":"velero.io/v1","kind":"Restore","metadata":{"name":"r","namespace":"velero"},"spec":"# + spec + "}")
    }

    /// Restores that bring the pool back, and restores that cannot: the pool's resource left out, or any label
    /// selector (a VM skipped returns none of its disks, and the pool's VMs' disks carry no label of the pool's).
    static let bringsPool = [
        #"{"backupName":"b"}"#,
        #"{"backupName":"b","includedResources":["virtualmachines","virtualmachinepools","datavolumes","persistentvolumeclaims"]}"#,
    ]
    static let leavesPool = [
        #"{"backupName":"b","excludedResources":["virtualmachinepools.pool.kubevirt.io"]}"#,
        #"{"backupName":"b","excludedResources":["vmpool"]}"#,
        #"{"backupName":"b","includedResources":["virtualmachines"]}"#,
        #"{"backupName":"b","labelSelector":{"matchLabels":{"velero.kubevirt.io/vm-name":"web-pool-0"}}}"#,
        #"{"backupName":"b","labelSelector":{"matchLabels":{"kubevirt.io/vmpool":"web-pool"}}}"#,
        #"{"backupName":"b","orLabelSelectors":[{"matchLabels":{"app":"web"}}]}"#,
    ]

    @Test("a pool's VM is left to the pool when the restore brings the pool back", arguments: bringsPool)
    func vmLeftToPool(spec: String) async throws {
        let harness = Harness()
        let output = try await harness.vmRestore.execute(
            item: bytes(Self.restoredVM), itemFromBackup: bytes(Self.backedUpVM), restore: Self.restore(spec: spec))
        #expect(output.skipRestore)
        #expect(output.additionalItems.isEmpty)
        #expect(harness.logs.messages(at: .info).contains { $0.hasPrefix("VirtualMachine ops/web-pool-0 not restored: owned by VirtualMachinePool ops/web-pool") })
        #expect(harness.reader.calls.isEmpty)
    }

    @Test("a pool's VM is restored on its own, without the pool's finalizer and the record, when the restore leaves the pool out", arguments: leavesPool)
    func vmRestoredAlone(spec: String) async throws {
        let harness = Harness()
        let output = try await harness.vmRestore.execute(
            item: bytes(Self.restoredVM), itemFromBackup: bytes(Self.backedUpVM), restore: Self.restore(spec: spec))
        #expect(!output.skipRestore)
        #expect(harness.logs.messages(at: .info).contains(
            "VirtualMachine ops/web-pool-0 of VirtualMachinePool ops/web-pool is restored on its own: this restore does not bring back the pool"))
        let restored = try JSONValue.parse(try #require(output.updatedItem))
        #expect(try restored.array(at: ["metadata", "finalizers"]) == ["kubevirt.io/virtualMachineControllerFinalize"])
        #expect(try restored.string(at: ["metadata", "annotations", "velero.kubevirt.io/pool-in-backup"]) == nil)
        #expect(try restored.string(at: ["metadata", "labels", "kubevirt.io/vmpool"]) == "web-pool", "labels are the VM's own")
    }

    @Test("a pool's VM backed up without its pool (no record) is restored on its own, also by a restore that would bring pools")
    func vmWithoutPoolInBackup() async throws {
        let harness = Harness()
        let unrecorded = Self.liveVM
        let output = try await harness.vmRestore.execute(
            item: bytes(unrecorded.without(["metadata", "ownerReferences"]).without(["status"])), itemFromBackup: bytes(unrecorded),
            restore: Self.restore(spec: Self.bringsPool[0]))
        #expect(!output.skipRestore)
        #expect(harness.logs.messages(at: .info).contains(
            "VirtualMachine ops/web-pool-0 of VirtualMachinePool ops/web-pool is restored on its own: the backup does not hold the pool"))
    }

    static let pool = json(#"""
        {"apiVersion":"pool.kubevirt.io/v1beta1","kind":"VirtualMachinePool","metadata":{"name":"web-pool","namespace":"ops","labels":{"app":"web"}},
         "spec":{"selector":{"matchLabels":{"kubevirt.io/vmpool":"web-pool"}},"virtualMachineTemplate":{"spec":{"template":{"spec":{"domain":{"devices":{}}}}}}}}
        """#)

    static func backupBytes(_ spec: String) -> [UInt8] {
        bytes(#"{"apiVersion":"velero.io/v1","kind":"Backup","metadata":{"name":"b","namespace":"velero"},"spec":"# + spec + "}")
    }

    @Test("backup records the pool as in the backup when its resource, its labels and the Backup's selectors let it in", arguments: [
        (#"{}"#, true),
        (#"{"labelSelector":{"matchLabels":{"app":"web"}}}"#, true),
        (#"{"orLabelSelectors":[{"matchLabels":{"app":"db"}},{"matchExpressions":[{"key":"app","operator":"In","values":["web"]}]}]}"#, true),
        (#"{"labelSelector":{"matchLabels":{"kubevirt.io/vmpool":"web-pool"}}}"#, false),
        (#"{"labelSelector":{"matchExpressions":[{"key":"app","operator":"DoesNotExist"}]}}"#, false),
        (#"{"excludedResources":["virtualmachinepools"]}"#, false),
        (#"{"includedResources":["virtualmachines","datavolumes"]}"#, false),
    ])
    func backupRecordsPool(spec: String, recorded: Bool) async throws {
        let harness = Harness(FakeClusterReader { $0.virtualMachinePools["ops/web-pool"] = Self.pool })
        let result = try await harness.backupItem(harness.vmBackup, Self.liveVM, backup: Self.backupBytes(spec))
        #expect(try result.item.string(at: ["metadata", "annotations", "velero.kubevirt.io/pool-in-backup"]) == (recorded ? "true" : nil))
        #expect(harness.reader.count("LIST virtualmachinepools") <= 1)
    }

    @Test("backup does not record a pool labelled velero.io/exclude-from-backup, nor one that does not exist")
    func backupPoolExcludedOrMissing() async throws {
        let excluded = Harness(FakeClusterReader {
            $0.virtualMachinePools["ops/web-pool"] = Self.pool.with(["metadata", "labels", "velero.io/exclude-from-backup"], "true")
        })
        let labelled = try await excluded.backupItem(excluded.vmBackup, Self.liveVM, backup: Self.backupBytes("{}"))
        #expect(try labelled.item.string(at: ["metadata", "annotations", "velero.kubevirt.io/pool-in-backup"]) == nil)
        #expect(excluded.logs.messages(at: .info).contains {
            $0.hasSuffix("the pool is labelled velero.io/exclude-from-backup=true; a restore brings the VM back on its own") })
        let missing = Harness()
        let orphan = try await missing.backupItem(missing.vmBackup, Self.liveVM, backup: Self.backupBytes("{}"))
        #expect(try orphan.item.string(at: ["metadata", "annotations", "velero.kubevirt.io/pool-in-backup"]) == nil)
    }

    @Test("only an owner reference to a pool counts: the word elsewhere, or another owner kind, changes nothing")
    func onlyPoolOwners() async throws {
        let harness = Harness()
        let mentioned = Self.restoredVM.with(["metadata", "annotations", "note"], "was in VirtualMachinePool web-pool")
        let otherOwner = Self.restoredVM.with(["metadata", "ownerReferences"], [[
            "apiVersion": "example.com/v1", "kind": "VirtualMachinePool", "name": "x", "uid": "u",
        ]])
        for backedUp in [mentioned, otherOwner] {
            let output = try await harness.vmRestore.execute(item: bytes(Self.restoredVM), itemFromBackup: bytes(backedUp), restore: Self.restore(spec: #"{"backupName":"b"}"#))
            #expect(!output.skipRestore)
        }
    }
}
