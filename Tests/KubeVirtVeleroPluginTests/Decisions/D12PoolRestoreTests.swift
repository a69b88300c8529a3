import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D12 for VirtualMachinePools: a pool's VMs and ControllerRevisions are left to the pool when the restore brings the
/// pool back (its controller never adopts the owner-less VMs Velero would restore, and creates its replicas again);
/// they are restored on their own when the restore cannot bring the pool.
@Suite("D12 VirtualMachinePool restore")
struct PoolRestoreTests {
    static let poolOwner: JSONValue = [[
        "apiVersion": "pool.kubevirt.io/v1beta1", "blockOwnerDeletion": true, "controller": true, "kind": "VirtualMachinePool",
        "name": "web-pool", "uid": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
    ]]
    /// The pool's VM as backed up, and as Velero hands it to the action (ownerReferences and status removed).
    static let backedUpVM = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine",
         "metadata":{"name":"web-pool-0","namespace":"ops","labels":{"kubevirt.io/vmpool":"web-pool","kubevirt.io/vm-pool-revision-name":"web-pool-1"}},
         "spec":{"runStrategy":"Halted","template":{"spec":{"domain":{"devices":{}}}}},"status":{"printableStatus":"Stopped"}}
        """#).with(["metadata", "ownerReferences"], poolOwner)
    static let restoredVM = backedUpVM.without(["metadata", "ownerReferences"]).without(["status"])
    static let backedUpRevision = json(#"""
        {"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"web-pool-1","namespace":"ops"},"data":{},"revision":1}
        """#).with(["metadata", "ownerReferences"], poolOwner)

    static func restore(spec: String) -> [UInt8] {
        bytes(#"{"apiVersion":"velero.io/v1","kind":"Restore","metadata":{"name":"r","namespace":"velero"},"spec":"# + spec + "}")
    }

    /// Restores that bring the pool back, and restores that cannot.
    static let bringsPool = [
        #"{"backupName":"b"}"#,
        #"{"backupName":"b","includedResources":["virtualmachines","virtualmachinepools"]}"#,
        #"{"backupName":"b","labelSelector":{"matchLabels":{"app":"web"}}}"#,
        #"{"backupName":"b","orLabelSelectors":[{"matchLabels":{"velero.kubevirt.io/vm-name":"web-pool-0"}},{"matchLabels":{"app":"web"}}]}"#,
    ]
    static let leavesPool = [
        #"{"backupName":"b","excludedResources":["virtualmachinepools.pool.kubevirt.io"]}"#,
        #"{"backupName":"b","excludedResources":["vmpool"]}"#,
        #"{"backupName":"b","includedResources":["virtualmachines"]}"#,
        #"{"backupName":"b","labelSelector":{"matchLabels":{"velero.kubevirt.io/vm-name":"web-pool-0"}}}"#,
        #"{"backupName":"b","labelSelector":{"matchExpressions":[{"key":"velero.kubevirt.io/vm-name","operator":"In","values":["web-pool-0"]}]}}"#,
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

    @Test("a pool's VM is restored on its own when the restore leaves the pool out", arguments: leavesPool)
    func vmRestoredAlone(spec: String) async throws {
        let harness = Harness()
        let output = try await harness.vmRestore.execute(
            item: bytes(Self.restoredVM), itemFromBackup: bytes(Self.backedUpVM), restore: Self.restore(spec: spec))
        #expect(!output.skipRestore)
        #expect(harness.logs.messages(at: .info).contains(
            "VirtualMachine ops/web-pool-0 of VirtualMachinePool ops/web-pool is restored on its own: this restore does not bring back the pool"))
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

    @Test("a pool's ControllerRevision is left to the pool with it; any other is restored as it is")
    func revisions() async throws {
        let harness = Harness()
        let restoredRevision = Self.backedUpRevision.without(["metadata", "ownerReferences"])
        let skipped = try await harness.controllerRevisionRestore.execute(
            item: bytes(restoredRevision), itemFromBackup: bytes(Self.backedUpRevision), restore: Self.restore(spec: #"{"backupName":"b"}"#))
        #expect(skipped.skipRestore)
        #expect(harness.logs.messages(at: .info).contains {
            $0.hasPrefix("ControllerRevision ops/web-pool-1 not restored: a revision of VirtualMachinePool ops/web-pool") })

        let kept = try await harness.controllerRevisionRestore.execute(
            item: bytes(restoredRevision), itemFromBackup: bytes(Self.backedUpRevision), restore: Self.restore(spec: Self.leavesPool[0]))
        #expect(!kept.skipRestore && kept.updatedItem == nil)

        let instancetype = json(#"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"db-large-1","namespace":"ops"},"data":{},"revision":1}"#)
            .with(["metadata", "ownerReferences"], [["apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "name": "db", "uid": "u"]])
        let vmRevision = try await harness.controllerRevisionRestore.execute(
            item: bytes(instancetype), itemFromBackup: bytes(instancetype), restore: Self.restore(spec: #"{"backupName":"b"}"#))
        #expect(!vmRevision.skipRestore && vmRevision.updatedItem == nil)
    }
}
