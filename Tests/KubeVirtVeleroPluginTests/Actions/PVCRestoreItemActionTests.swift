import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit test TestPvcRestoreExecute.
@Suite("§12.4 PVC restore action")
struct PVCRestoreCatalogueTests {
    static let uid = "633ab84c-8a3e-4a8f-9d43-2b9c1c3b7a11"

    func run(labels: JSONValue?, annotations: JSONValue? = nil) async throws -> (item: JSONValue, output: RestoreItemActionOutput) {
        var item = json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"test-pvc","namespace":"test-namespace"},"spec":{}}"#)
        if let labels { item = item.with(["metadata", "labels"], labels) }
        if let annotations { item = item.with(["metadata", "annotations"], annotations) }
        let harness = Harness()
        let result = try await harness.restoreItem(harness.pvcRestore, item)
        if !result.output.skipRestore {
            // Every non-skip case: the collision annotation never survives.
            #expect(KubeVirtVeleroPluginTests.annotations(of: result.item)["velero.kubevirt.io/original-pvc-uid"] == nil)
        }
        return result
    }

    @Test("Skip the unfinished PVC")
    func skipUnfinished() async throws {
        let result = try await run(labels: nil, annotations: ["kvp.kubevirt.io/storage.inprogress": "test-pvc"])
        #expect(result.output.skipRestore)
    }

    @Test("Remove resource UID label from PVC")
    func removeLabel() async throws {
        let result = try await run(labels: ["velero.kubevirt.io/pvc-uid": .string(Self.uid), "other-label": "other-value"])
        #expect(labels(of: result.item) == JSONObject(["other-label": "other-value"]))
        #expect(!result.output.skipRestore)
    }

    @Test("Restore original UID label value from collision annotation")
    func restoreOriginal() async throws {
        let result = try await run(
            labels: ["velero.kubevirt.io/pvc-uid": .string(Self.uid), "other-label": "other-value"],
            annotations: ["velero.kubevirt.io/original-pvc-uid": "original-user-uid-value"])
        #expect(
            labels(of: result.item)
                == JSONObject(["velero.kubevirt.io/pvc-uid": "original-user-uid-value", "other-label": "other-value"]))
    }

    @Test("Handle PVC without resource UID label")
    func noUIDLabel() async throws {
        let result = try await run(labels: ["existing-label": "existing-value"])
        #expect(labels(of: result.item) == JSONObject(["existing-label": "existing-value"]))
        #expect(result.output.updatedItem == nil)
    }

    @Test("Handle PVC without any labels")
    func noLabels() async throws {
        let result = try await run(labels: nil)
        #expect(labels(of: result.item).isEmpty)
        #expect(!result.output.skipRestore)
    }
}
