import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit test TestPVCBackupExecute (with backup `{}`).
@Suite("§12.3 PVC backup action")
struct PVCBackupCatalogueTests {
    static func claim(uid: String?, labels: JSONValue? = nil, annotations: JSONValue? = nil) -> JSONValue {
        var item = json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"test-pvc","namespace":"test-namespace"},"spec":{"accessModes":["ReadWriteOnce"]}}"#)
        if let uid { item = item.with(["metadata", "uid"], .string(uid)) }
        if let labels { item = item.with(["metadata", "labels"], labels) }
        if let annotations { item = item.with(["metadata", "annotations"], annotations) }
        return item
    }

    func run(_ item: JSONValue) async throws -> (item: JSONValue, output: BackupItemActionOutput) {
        let harness = Harness()
        let output = try await harness.pvcBackup.execute(item: bytes(item), backup: bytes("{}"))
        #expect(output.additionalItems.isEmpty)
        return (try JSONValue.parse(output.updatedItem ?? bytes(item)), output)
    }

    @Test("Add UID label to PVC without existing labels")
    func noLabels() async throws {
        let result = try await run(Self.claim(uid: "pvc-uid-123"))
        #expect(labels(of: result.item) == JSONObject(["velero.kubevirt.io/pvc-uid": "pvc-uid-123"]))
        #expect(annotations(of: result.item)["velero.kubevirt.io/original-pvc-uid"] == nil)
    }

    @Test("Add UID label to PVC with existing labels")
    func existingLabels() async throws {
        let result = try await run(
            Self.claim(uid: "pvc-uid-456", labels: ["existing-label": "existing-value", "another-label": "another-value"]))
        #expect(
            labels(of: result.item)
                == JSONObject([
                    "existing-label": "existing-value", "another-label": "another-value",
                    "velero.kubevirt.io/pvc-uid": "pvc-uid-456",
                ]))
    }

    @Test("Preserve existing PVC UID label in annotation when collision occurs")
    func collision() async throws {
        let result = try await run(
            Self.claim(
                uid: "pvc-uid-789",
                labels: ["velero.kubevirt.io/pvc-uid": "original-user-value", "other-label": "other-value"]))
        #expect(labels(of: result.item)["velero.kubevirt.io/pvc-uid"] == "pvc-uid-789")
        #expect(labels(of: result.item)["other-label"] == "other-value")
        #expect(annotations(of: result.item)["velero.kubevirt.io/original-pvc-uid"] == "original-user-value")
    }

    @Test("Handle PVC with existing annotations and collision")
    func collisionWithAnnotations() async throws {
        let result = try await run(
            Self.claim(
                uid: "pvc-uid-101", labels: ["velero.kubevirt.io/pvc-uid": "user-set-value"],
                annotations: ["existing-annotation": "existing-value"]))
        #expect(labels(of: result.item)["velero.kubevirt.io/pvc-uid"] == "pvc-uid-101")
        #expect(
            annotations(of: result.item)
                == JSONObject([
                    "existing-annotation": "existing-value", "velero.kubevirt.io/original-pvc-uid": "user-set-value",
                ]))
    }

    @Test("Skip PVC with empty UID")
    func emptyUID() async throws {
        let item = Self.claim(uid: nil)
        let result = try await run(item)
        #expect(result.output.updatedItem == nil)
        #expect(result.item == item)
    }

    @Test("Handle PVC with same UID value as existing label (preserve it anyway)")
    func sameValue() async throws {
        let result = try await run(Self.claim(uid: "pvc-uid-same", labels: ["velero.kubevirt.io/pvc-uid": "pvc-uid-same"]))
        #expect(labels(of: result.item)["velero.kubevirt.io/pvc-uid"] == "pvc-uid-same")
        #expect(annotations(of: result.item)["velero.kubevirt.io/original-pvc-uid"] == "pvc-uid-same")
    }
}
