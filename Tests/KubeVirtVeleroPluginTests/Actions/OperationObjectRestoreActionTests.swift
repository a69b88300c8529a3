import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D12: KubeVirt's operation objects are kept out of a restore, one Info line each.
@Suite("D12 operation-object restore actions")
struct OperationObjectRestoreActionTests {
    @Test("every kind: skipped, nothing added, one Info line naming the object and the reason", arguments: OperationObject.all)
    func skipped(operation: OperationObject) async throws {
        let harness = Harness()
        let apiVersion = operation.resource.split(separator: ".", maxSplits: 1)[1] + "/v1"  // the action reads no version
        let item = json(#"{"apiVersion":"\#(apiVersion)","kind":"\#(operation.kind)","metadata":{"name":"op1","namespace":"ops"},"spec":{}}"#)
        let result = try await harness.restoreItem(OperationObjectRestoreAction(operation, logger: harness.logs.logger), item)
        #expect(result.output.skipRestore)
        #expect(result.output.additionalItems.isEmpty && result.output.updatedItem == nil)
        #expect(harness.logs.messages(at: .info) == ["\(operation.kind) ops/op1 not restored: \(operation.reason)"])
    }

    @Test("names and selectors: restore-<kind>-action, the group-qualified resource, sorted as ListPlugins lists them")
    func names() throws {
        let names = OperationObject.all.map(\.actionName)
        #expect(names == names.sorted())
        #expect(names.contains("kubevirt-velero-plugin/restore-virtualmachinerestore-action"))
        #expect(Set(OperationObject.all.map(\.resource)).count == OperationObject.all.count)
        let harness = Harness()
        for operation in OperationObject.all {
            let selector = try OperationObjectRestoreAction(operation, logger: harness.logs.logger).appliesTo()
            #expect(selector == ResourceSelector(includedResources: [operation.resource]))
        }
        // The kinds whose controllers converge on their own have no action (docs/restore.md).
        let kinds = Set(OperationObject.all.map(\.kind))
        #expect(kinds.isDisjoint(with: ["VirtualMachineBackupTracker", "VirtualMachineInstanceReplicaSet", "DataImportCron", "VirtualMachinePool"]))
    }

    @Test("an item without a name is an error naming the action and the kind")
    func unnamed() async throws {
        let harness = Harness()
        let operation = try #require(OperationObject.all.first { $0.kind == "VirtualMachineRestore" })
        let item = json(#"{"apiVersion":"snapshot.kubevirt.io/v1beta1","kind":"VirtualMachineRestore","metadata":{"namespace":"ops"}}"#)
        let error = await #expect(throws: ActionError.self) {
            try await harness.restoreItem(OperationObjectRestoreAction(operation, logger: harness.logs.logger), item)
        }
        #expect(error?.message == "OperationObjectRestoreAction: VirtualMachineRestore in namespace ops has no metadata.name")
    }
}
