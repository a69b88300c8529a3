import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit test TestVolumeSnapshotBackupExecute. The reference pre-fills its uid cache; here the
/// fake cluster's PVC LIST supplies the same mapping through the D7 cache (docs/decisions.md).
@Suite("§12.9 VolumeSnapshot backup action")
struct VolumeSnapshotBackupCatalogueTests {
    static func snapshot(source: String?, labels: JSONValue? = nil) -> JSONValue {
        var item = json(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"test-vs","namespace":"test-namespace"},"spec":{"volumeSnapshotClassName":"csi"}}"#)
        if let source { item = item.with(["spec", "source", "persistentVolumeClaimName"], .string(source)) }
        if let labels { item = item.with(["metadata", "labels"], labels) }
        return item
    }

    static func harness(uid: String = "pvc-uid-456") -> Harness {
        Harness(FakeClusterReader {
            $0.claimLists["test-namespace"] = [["metadata": ["name": "test-pvc", "uid": .string(uid)]]]
        })
    }

    @Test("VolumeSnapshot without PVC source should be skipped")
    func noSource() async throws {
        let harness = Self.harness()
        let result = try await harness.backupItem(harness.volumeSnapshotBackup, Self.snapshot(source: nil))
        #expect(result.output == .unchanged)
        #expect(harness.reader.calls.isEmpty)
    }

    @Test("Add PVC UID label to VolumeSnapshot with PVC source")
    func addLabel() async throws {
        let harness = Self.harness()
        let result = try await harness.backupItem(harness.volumeSnapshotBackup, Self.snapshot(source: "test-pvc"))
        #expect(labels(of: result.item) == JSONObject(["velero.kubevirt.io/pvc-uid": "pvc-uid-456"]))
    }

    @Test("Preserve existing PVC UID label in annotation when collision occurs")
    func collision() async throws {
        let harness = Self.harness()
        let item = Self.snapshot(
            source: "test-pvc", labels: ["velero.kubevirt.io/pvc-uid": "original-user-value", "other-label": "other-value"])
        let result = try await harness.backupItem(harness.volumeSnapshotBackup, item)
        #expect(labels(of: result.item)["velero.kubevirt.io/pvc-uid"] == "pvc-uid-456")
        #expect(labels(of: result.item)["other-label"] == "other-value")
        #expect(annotations(of: result.item)["velero.kubevirt.io/original-volumesnapshot-uid"] == "original-user-value")
    }

    @Test("Handle VolumeSnapshot with existing labels but no collision")
    func existingLabels() async throws {
        let harness = Self.harness()
        let item = Self.snapshot(source: "test-pvc", labels: ["existing-label": "existing-value"])
        let result = try await harness.backupItem(harness.volumeSnapshotBackup, item)
        #expect(
            labels(of: result.item)
                == JSONObject(["existing-label": "existing-value", "velero.kubevirt.io/pvc-uid": "pvc-uid-456"]))
    }

    @Test("Skip when PVC UID is empty")
    func emptyUID() async throws {
        let harness = Self.harness(uid: "")
        let result = try await harness.backupItem(harness.volumeSnapshotBackup, Self.snapshot(source: "test-pvc"))
        #expect(result.output == .unchanged)
    }
}
