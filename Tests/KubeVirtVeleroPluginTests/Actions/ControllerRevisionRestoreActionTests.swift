import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// `restore-controllerrevision-action` (D12, pools): the decisions are in `Decisions/D12PoolRestoreTests.swift`.
@Suite("ControllerRevision restore action")
struct ControllerRevisionRestoreActionTests {
    @Test("a pool's ControllerRevision is left to the pool with it; any other is restored as it is")
    func revisions() async throws {
        let harness = Harness()
        let restoredRevision = PoolRestoreTests.backedUpRevision.without(["metadata", "ownerReferences"])
        let skipped = try await harness.controllerRevisionRestore.execute(
            item: bytes(restoredRevision), itemFromBackup: bytes(PoolRestoreTests.backedUpRevision), restore: PoolRestoreTests.restore(spec: #"{"backupName":"b"}"#))
        #expect(skipped.skipRestore)
        #expect(harness.logs.messages(at: .info).contains {
            $0.hasPrefix("ControllerRevision ops/web-pool-1 not restored: a revision of VirtualMachinePool ops/web-pool") })

        let kept = try await harness.controllerRevisionRestore.execute(
            item: bytes(restoredRevision), itemFromBackup: bytes(PoolRestoreTests.backedUpRevision), restore: PoolRestoreTests.restore(spec: PoolRestoreTests.leavesPool[0]))
        #expect(!kept.skipRestore && kept.updatedItem == nil)

        let instancetype = json(#"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"db-large-1","namespace":"ops"},"data":{},"revision":1}"#)
            .with(["metadata", "ownerReferences"], [["apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "name": "db", "uid": "u"]])
        let vmRevision = try await harness.controllerRevisionRestore.execute(
            item: bytes(instancetype), itemFromBackup: bytes(instancetype), restore: PoolRestoreTests.restore(spec: #"{"backupName":"b"}"#))
        #expect(!vmRevision.skipRestore && vmRevision.updatedItem == nil)
    }

    @Test("a revision that is not valid JSON or has no name is an error naming the action, whatever its owner")
    func badInput() async throws {
        let harness = Harness()
        let broken = bytes(#"{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"namespace":"ops"}}"#)
        let error = await #expect(throws: ActionError.self) {
            try await harness.controllerRevisionRestore.execute(item: broken, itemFromBackup: broken, restore: KubeVirtVeleroPluginTests.restore())
        }
        #expect(error?.message == "ControllerRevisionRestoreAction: ControllerRevision in namespace ops has no metadata.name")
    }
}
