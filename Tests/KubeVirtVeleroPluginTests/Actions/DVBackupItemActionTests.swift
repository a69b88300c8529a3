import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit tests TestDV, TestPVC and TestUnfinishedPVC.
@Suite("§12.1 DV backup action")
struct DVBackupCatalogueTests {
    static let dataVolume = json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"test-datavolume"},"spec":{}}"#)
    static let succeeded = dataVolume.with(["status"], ["phase": "Succeeded"])

    @Test("TestDV: Should add AnnPrePopulated to succeeded DV")
    func prePopulated() async throws {
        let harness = Harness()
        let result = try await harness.backupItem(harness.dvBackup, Self.succeeded)
        #expect(annotations(of: result.item)["cdi.kubevirt.io/storage.prePopulated"] == "test-datavolume")
    }

    @Test("TestDV: Should not add AnnPrePopulated to unfinished DV")
    func notPrePopulated() async throws {
        let harness = Harness()
        let result = try await harness.backupItem(harness.dvBackup, Self.dataVolume)
        #expect(annotations(of: result.item)["cdi.kubevirt.io/storage.prePopulated"] == nil)
        #expect(result.output.updatedItem == nil)
    }

    @Test("TestDV: DV should request PVC to be backed up as well")
    func requestsClaim() async throws {
        let harness = Harness()
        let result = try await harness.backupItem(harness.dvBackup, Self.succeeded)
        #expect(result.extras.count == 1)
        #expect(result.extras.first?.resource == "persistentvolumeclaims")
        #expect(result.extras.first?.name == "test-datavolume")
    }

    static let claim = json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"test-pvc","namespace":"default"},"spec":{}}"#)

    /// GetDV mocked: a DV with an empty name.
    static func harness(phase: String) -> Harness {
        Harness(FakeClusterReader { $0.anyDataVolume = ["metadata": ["name": ""], "status": ["phase": .string(phase)]] })
    }

    @Test("TestPVC: Adds AnnPopulatedFor when owned by a DV")
    func populatedFor() async throws {
        let harness = Self.harness(phase: "Succeeded")
        let item = Self.claim.with(
            ["metadata", "ownerReferences"],
            [["apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume", "name": "test-datavolume"]])
        let result = try await harness.backupItem(harness.dvBackup, item)
        #expect(annotations(of: result.item)["cdi.kubevirt.io/storage.populatedFor"] == "")
        #expect(annotations(of: result.item)["kvp.kubevirt.io/storage.inprogress"] == nil)
        // D7 (docs/decisions.md): the namespace's DataVolumes are listed once; a name the LIST lacks
        // is read with a GET.
        #expect(harness.reader.calls == ["LIST datavolumes.cdi.kubevirt.io default", "GET datavolumes.cdi.kubevirt.io default/test-datavolume"])
    }

    @Test("TestPVC: Does not add AnnPopulatedFor when not owned by a DV")
    func notOwned() async throws {
        let harness = Self.harness(phase: "Succeeded")
        let result = try await harness.backupItem(harness.dvBackup, Self.claim)
        #expect(annotations(of: result.item).isEmpty)
        #expect(result.output == .unchanged)
    }

    @Test("TestPVC: Does not add AnnPopulatedFor when owned by another object")
    func ownedByAnother() async throws {
        let harness = Self.harness(phase: "Succeeded")
        let item = Self.claim.with(
            ["metadata", "ownerReferences"], [["apiVersion": "v1", "kind": "AnotherObject", "name": "test-datavolume"]])
        let result = try await harness.backupItem(harness.dvBackup, item)
        #expect(annotations(of: result.item)["cdi.kubevirt.io/storage.populatedFor"] == nil)
        #expect(annotations(of: result.item)["kvp.kubevirt.io/storage.inprogress"] == nil)
        #expect(harness.reader.calls.isEmpty)
    }

    @Test("TestUnfinishedPVC: Adds AnnInProgress when owned by an unfinished DV")
    func inProgress() async throws {
        let harness = Self.harness(phase: "UNKNOWN")
        let item = Self.claim.with(
            ["metadata", "ownerReferences"],
            [["apiVersion": "cdi.kubevirt.io/v1beta1", "kind": "DataVolume", "name": "test-datavolume"]])
        let result = try await harness.backupItem(harness.dvBackup, item)
        #expect(annotations(of: result.item)["kvp.kubevirt.io/storage.inprogress"] != nil)
        #expect(annotations(of: result.item)["cdi.kubevirt.io/storage.populatedFor"] == nil)
    }
}
