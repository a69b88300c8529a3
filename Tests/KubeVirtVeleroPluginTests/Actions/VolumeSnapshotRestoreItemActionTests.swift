import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit test TestVolumeSnapshotRestoreExecute.
@Suite("§12.10 VolumeSnapshot restore action")
struct VolumeSnapshotRestoreCatalogueTests {
    func run(labels: JSONValue?, annotations: JSONValue? = nil) async throws -> (item: JSONValue, output: RestoreItemActionOutput) {
        var item = json(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"test-vs","namespace":"test-namespace"},"spec":{"source":{"persistentVolumeClaimName":"test-pvc"}}}"#)
        if let labels { item = item.with(["metadata", "labels"], labels) }
        if let annotations { item = item.with(["metadata", "annotations"], annotations) }
        let harness = Harness()
        let result = try await harness.restoreItem(harness.volumeSnapshotRestore, item)
        #expect(!result.output.skipRestore)
        #expect(result.output.additionalItems.isEmpty)
        return result
    }

    @Test("Remove PVC UID label from VolumeSnapshot")
    func removeLabel() async throws {
        let result = try await run(labels: ["velero.kubevirt.io/pvc-uid": "pvc-uid-456", "other-label": "other-value"])
        #expect(labels(of: result.item) == JSONObject(["other-label": "other-value"]))
    }

    @Test("Restore original PVC UID label value from collision annotation")
    func restoreOriginal() async throws {
        let result = try await run(
            labels: ["velero.kubevirt.io/pvc-uid": "pvc-uid-456", "other-label": "other-value"],
            annotations: ["velero.kubevirt.io/original-volumesnapshot-uid": "original-user-uid-value"])
        #expect(
            labels(of: result.item)
                == JSONObject(["velero.kubevirt.io/pvc-uid": "original-user-uid-value", "other-label": "other-value"]))
        #expect(annotations(of: result.item)["velero.kubevirt.io/original-volumesnapshot-uid"] == nil)
    }

    @Test("Handle VolumeSnapshot without PVC UID label")
    func noUIDLabel() async throws {
        let result = try await run(labels: ["existing-label": "existing-value"])
        #expect(labels(of: result.item) == JSONObject(["existing-label": "existing-value"]))
        #expect(result.output.updatedItem == nil)
    }

    @Test("Handle VolumeSnapshot without any labels")
    func noLabels() async throws {
        let result = try await run(labels: nil)
        #expect(labels(of: result.item).isEmpty)
    }
}
