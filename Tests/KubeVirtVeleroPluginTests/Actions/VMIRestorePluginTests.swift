import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit test TestVmiRestoreExecute.
@Suite("§12.8 VMI restore action")
struct VMIRestoreCatalogueTests {
    static let vmi = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"test-vmi","namespace":"test-namespace"},"spec":{"domain":{"devices":{}}}}"#)

    @Test("Owned VMI should be skipped")
    func ownedSkipped() async throws {
        let harness = Harness()
        let item = Self.vmi.with(["metadata", "annotations"], ["cdi.kubevirt.io/velero.isOwned": "true"])
        let result = try await harness.restoreItem(harness.vmiRestore, item, restore: bytes("{}"))
        #expect(result.output.skipRestore)
    }

    @Test("Standalone VMI should not be skipped")
    func standalone() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.vmiRestore, Self.vmi.with(["metadata", "labels"], [:]))
        #expect(!result.output.skipRestore)
        #expect(labels(of: result.item).isEmpty)
    }

    @Test("Restricted labels should be removed")
    func restrictedLabels() async throws {
        let harness = Harness()
        let item = Self.vmi.with(
            ["metadata", "labels"],
            [
                "kubevirt.io/created-by": "someone", "kubevirt.io/migrationJobUID": "abc",
                "kubevirt.io/nodeName": "test-node", "kubevirt.io/migrationTargetNodeName": "test-label",
                "kubevirt.io/schedulable": "true", "kubevirt.io/install-strategy": "test-strategy",
                "some.other/label": "test-value",
            ])
        let result = try await harness.restoreItem(harness.vmiRestore, item)
        #expect(labels(of: result.item) == JSONObject(["some.other/label": "test-value"]))
    }
}
