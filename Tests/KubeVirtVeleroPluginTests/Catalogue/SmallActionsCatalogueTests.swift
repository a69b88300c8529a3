import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// Evaluates a set-based selector of the form `key in (a, b)` against labels, as Velero does for AppliesTo.
func selectorMatches(_ selector: String, labels: [String: String]) -> Bool {
    let parts = selector.split(separator: " ", maxSplits: 2)
    guard parts.count == 3, parts[1] == "in" else { return false }
    let values = parts[2].trimmingCharacters(in: ["(", ")"]).split(separator: ",").map {
        $0.trimmingCharacters(in: [" "])
    }
    guard let value = labels[String(parts[0])] else { return false }
    return values.contains(value)
}

extension Substring {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

/// The Go plugin's unit tests TestPodRestoreExecute and TestPodRestoreApplyTo.
@Suite("§12.2 Pod restore action")
struct PodRestoreCatalogueTests {
    @Test("TestPodRestoreExecute: Always skip the pod")
    func alwaysSkip() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.podRestore, json("{}"))
        #expect(result.output.skipRestore)
        #expect(result.output.updatedItem == nil)
    }

    @Test(
        "TestPodRestoreApplyTo",
        arguments: [
            ("Match launcher pod", ["kubevirt.io": "virt-launcher"], true),
            ("Match hotplug pod", ["kubevirt.io": "hotplug-disk"], true),
            ("Don't match non-launcher pods", [:], false),
        ] as [(String, [String: String], Bool)])
    func appliesTo(name: String, labels: [String: String], matches: Bool) throws {
        let selector = try Harness().podRestore.appliesTo()
        #expect(selector.includedResources == ["Pod"])
        #expect(selector.selector == "kubevirt.io in (virt-launcher, hotplug-disk)")
        #expect(selectorMatches(selector.selector, labels: labels) == matches, "\(name)")
    }
}

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
