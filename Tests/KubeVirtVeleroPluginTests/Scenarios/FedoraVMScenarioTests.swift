import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// A realistic VM (Tests/Fixtures): DataVolume template, instancetype and preference, cloud-init secrets, access
/// credentials, persistent TPM and EFI, a hotplugged DataVolume, a Multus network, its VMI, launcher pod, DV, PVC
/// and VolumeSnapshot — backed up and restored through every action that sees them.
@Suite("Fedora VM backup and restore (fixtures)")
struct FedoraVMScenarioTests {
    static let vmRaw = Fixtures.raw("vm-fedora-full.json")
    static let vm = Fixtures.load("vm-fedora-full.json")
    static let vmi = Fixtures.load("vmi-fedora-db.json")
    static let pod = Fixtures.load("launcher-pod-fedora-db.json")
    static let dataVolume = Fixtures.load("datavolume-rootdisk.json")
    static let claim = Fixtures.load("pvc-rootdisk.json")
    static let snapshot = Fixtures.load("volumesnapshot-rootdisk.json")
    static let ns = "apps"

    static func cluster() -> FakeClusterReader {
        FakeClusterReader { state in
            state.virtualMachines["apps/fedora-db"] = vm
            state.virtualMachineInstances["apps/fedora-db"] = vmi
            state.dataVolumes["apps/fedora-db-rootdisk"] = dataVolume
            state.dataVolumes["apps/hotplug-scratch-dv"] = json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"hotplug-scratch-dv","namespace":"apps"},"status":{"phase":"Succeeded"}}"#)
            state.claims["apps/fedora-db-data"] = json(#"{"kind":"PersistentVolumeClaim","metadata":{"name":"fedora-db-data","namespace":"apps","uid":"c0ffee00-0000-4000-8000-000000000001"}}"#)
            state.launcherPods["apps"] = [
                json(#"{"metadata":{"name":"virt-launcher-other-vm-1","annotations":{"kubevirt.io/domain":"other-vm"}}}"#), pod,
            ]
            state.claimLists["apps"] = [
                claim,
                json(#"{"metadata":{"name":"persistent-state-for-fedora-db-7h2kd","labels":{"persistent-state-for":"fedora-db"},"uid":"c0ffee00-0000-4000-8000-000000000002"}}"#),
            ]
        }
    }

    static let graph: [ResourceIdentifier] = [
        .controllerRevision(ns, "fedora-db-u1.medium-v1beta1-8a1d7c2e-1"),
        .controllerRevision(ns, "fedora-db-fedora-v1beta1-31b0aa01-1"),
        .virtualMachineInstance(ns, "fedora-db"), .pod(ns, "virt-launcher-fedora-db-x7k2p"),
        .dataVolume(ns, "fedora-db-rootdisk"), .persistentVolumeClaim(ns, "fedora-db-rootdisk"),
        .persistentVolumeClaim(ns, "fedora-db-data"),
        .dataVolume(ns, "hotplug-scratch-dv"), .persistentVolumeClaim(ns, "hotplug-scratch-dv"),
        .secret(ns, "fedora-db-cloudinit"), .secret(ns, "fedora-db-network"), .configMap(ns, "fedora-db-app-config"),
        .persistentVolumeClaim(ns, "persistent-state-for-fedora-db-7h2kd"),
        .secret(ns, "fedora-db-ssh-key"), .secret(ns, "fedora-db-passwords"),
        .networkAttachmentDefinition(ns, "storage-bridge"),
    ]

    @Test("VM backup: safety checks pass, the full graph in order, revision names copied, nothing else changed")
    func vmBackup() async throws {
        let harness = Harness(Self.cluster())
        let output = try await harness.vmBackup.execute(item: Self.vmRaw, backup: backup())
        #expect(output.additionalItems == Self.graph)
        let updated = try JSONValue.parse(output.updatedItem ?? [])
        let expected = Self.vm
            .with(["spec", "instancetype", "revisionName"], "fedora-db-u1.medium-v1beta1-8a1d7c2e-1")
            .with(["spec", "preference", "revisionName"], "fedora-db-fedora-v1beta1-31b0aa01-1")
            // The backend-storage PVC the backup found, recorded for the restore (docs/object-graph.md).
            .with(["metadata", "annotations", "velero.kubevirt.io/backend-storage-pvcs"], "persistent-state-for-fedora-db-7h2kd")
            // D13: the label a restore selects this VM by, and the record that the backup added it.
            .with(["metadata", "labels", "velero.kubevirt.io/vm-name"], "fedora-db")
            .with(["metadata", "annotations", "velero.kubevirt.io/vm-name-added"], "true")
        #expect(updated == expected)
        let text = String(decoding: output.updatedItem ?? [], as: UTF8.self)
        #expect(text.contains(#""keepMe":[1,2.50,-0.0,1e300]"#))
        #expect(text.contains(#""creationTimestamp":null"#), "nulls in the input are kept, not dropped")
        // One LIST per resource of the namespace (D7, docs/decisions.md); the PVC this fixture serves
        // only by GET is read with one. The launcher-pod LIST starts together with the VMI lookup, so the
        // order of the two is not fixed.
        #expect(
            harness.reader.calls.sorted() == [
                "GET persistentvolumeclaims apps/fedora-db-data", "LIST datavolumes.cdi.kubevirt.io apps",
                "LIST persistentvolumeclaims apps", "LIST pods apps", "LIST virtualmachineinstances.kubevirt.io apps",
            ])
        #expect(harness.reader.podLists == 1 && harness.reader.claimLists == 1)
        #expect(harness.logs.messages(at: .error).isEmpty)
    }

    @Test("the ItemBlockAction groups the same graph")
    func itemBlock() async throws {
        let harness = Harness(Self.cluster())
        #expect(try await harness.itemBlock.getRelatedItems(item: Self.vmRaw, backup: backup()) == Self.graph)
    }

    @Test("a label-selected backup without pods fails for the running VM, naming the filter")
    func podsExcluded() async {
        let harness = Harness(Self.cluster())
        await expectError(
            startingWith: "VM cannot be safely backed up", containing: ["VM apps/fedora-db is Running", "excludedResources=[pods]"]
        ) {
            _ = try await harness.vmBackup.execute(item: Self.vmRaw, backup: backup(excluded: ["pods"]))
        }
    }

    @Test("VMI backup: owned, annotated, launcher pod and volumes as extras")
    func vmiBackup() async throws {
        let harness = Harness(Self.cluster())
        let result = try await harness.backupItem(harness.vmiBackup, Self.vmi)
        #expect(result.item == Self.vmi.with(["metadata", "annotations", "cdi.kubevirt.io/velero.isOwned"], "true"))
        #expect(
            result.extras == [
                .pod(Self.ns, "virt-launcher-fedora-db-x7k2p"), .dataVolume(Self.ns, "fedora-db-rootdisk"),
                .persistentVolumeClaim(Self.ns, "fedora-db-rootdisk"), .persistentVolumeClaim(Self.ns, "fedora-db-data"),
                .persistentVolumeClaim(Self.ns, "persistent-state-for-fedora-db-7h2kd"),
            ])
        #expect(harness.reader.calls.contains("LIST virtualmachines.kubevirt.io apps"))
        #expect(harness.reader.count("GET") == 0, "the owner VM comes from the namespace's VM LIST")
    }

    @Test("DataVolume and PVC backup: CDI annotations and the pvc-uid label; restore undoes only the label")
    func diskBackupAndRestore() async throws {
        let harness = Harness(Self.cluster())
        let dv = try await harness.backupItem(harness.dvBackup, Self.dataVolume)
        #expect(annotations(of: dv.item)["cdi.kubevirt.io/storage.prePopulated"] == "fedora-db-rootdisk")
        #expect(dv.extras == [.persistentVolumeClaim(Self.ns, "fedora-db-rootdisk")])

        // Velero chains the actions of one binary on the item: datavolume action, then pvc action.
        let annotated = try await harness.backupItem(harness.dvBackup, Self.claim)
        #expect(annotations(of: annotated.item)["cdi.kubevirt.io/storage.populatedFor"] == "fedora-db-rootdisk")
        let labelled = try await harness.backupItem(harness.pvcBackup, annotated.item)
        #expect(labels(of: labelled.item)["velero.kubevirt.io/pvc-uid"] == "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e")
        #expect(try labelled.item.string(at: ["spec", "resources", "requests", "storage"]) == "32212254720")

        let restored = try await harness.restoreItem(harness.pvcRestore, labelled.item.without(["status"]))
        #expect(!restored.output.skipRestore)
        #expect(restored.item == annotated.item.without(["status"]), "only the backup's label is undone; CDI annotations stay")
    }

    @Test("VolumeSnapshot backup labels the source PVC's uid; restore removes it")
    func snapshotBackupAndRestore() async throws {
        let harness = Harness(Self.cluster())
        let labelled = try await harness.backupItem(harness.volumeSnapshotBackup, Self.snapshot)
        #expect(labels(of: labelled.item)["velero.kubevirt.io/pvc-uid"] == "b1c2d3e4-f5a6-4b7c-8d9e-0f1a2b3c4d5e")
        #expect(labels(of: labelled.item)["velero.io/backup-name"] == "nightly")
        let restored = try await harness.restoreItem(harness.volumeSnapshotRestore, labelled.item)
        #expect(restored.item == Self.snapshot)
    }

    @Test("VM restore with every Restore label: new MACs and UUID, run strategy, dependencies first")
    func vmRestore() async throws {
        let harness = Harness(Self.cluster())
        let backedUp = try await harness.vmBackup.execute(item: Self.vmRaw, backup: backup())
        // What Velero hands the RestoreItemAction: status and server-set metadata removed.
        var item = try JSONValue.parse(backedUp.updatedItem ?? [])
        for path: JSONPath in [["status"], ["metadata", "uid"], ["metadata", "resourceVersion"], ["metadata", "creationTimestamp"], ["metadata", "generation"]] {
            item.removeValue(at: path)
        }
        let result = try await harness.restoreItem(
            harness.vmRestore, item,
            restore: restore(labels: [
                "velero.kubevirt.io/restore-run-strategy": "Halted", "velero.kubevirt.io/clear-mac-address": "true",
                "velero.kubevirt.io/generate-new-firmware-uuid": "true",
            ]))
        #expect(try result.item.string(at: ["spec", "runStrategy"]) == "Halted")
        let interfaces = try result.item.array(at: ["spec", "template", "spec", "domain", "devices", "interfaces"]) ?? []
        #expect(interfaces.count == 2 && interfaces.allSatisfy { $0.objectValue?["macAddress"] == nil })
        let uuid = try result.item.string(at: ["spec", "template", "spec", "domain", "firmware", "uuid"]) ?? ""
        #expect(isVersion4UUID(uuid) && uuid != "5d307ca9-b3ef-428c-8861-06e72d69f223")
        #expect(try result.item.bool(at: ["spec", "template", "spec", "domain", "firmware", "bootloader", "efi", "secureBoot"]) == true)
        // The restore graph is the backup graph without the VMI and pod; revisions come from the spec now.
        #expect(result.output.additionalItems == Self.graph.filter { $0.resource != "virtualmachineinstances" && $0.resource != "pods" })
        #expect(harness.logs.contains("Setting virtual machine run strategy to Halted"))
    }

    @Test("the owned VMI and the launcher pod are skipped on restore")
    func skippedOnRestore() async throws {
        let harness = Harness(Self.cluster())
        let backedUp = try await harness.backupItem(harness.vmiBackup, Self.vmi)
        #expect(try await harness.restoreItem(harness.vmiRestore, backedUp.item).output.skipRestore)
        #expect(try await harness.restoreItem(harness.podRestore, Self.pod).output.skipRestore)
        #expect(harness.logs.contains("VMI is owned by a VM, it doesn't need to be restored"))
    }

    @Test("standalone VMI restore: labels cleaned, dependencies include its PVC and same-namespace NAD")
    func standaloneVMIRestore() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.vmiRestore, Fixtures.load("vmi-standalone.json"))
        #expect(labels(of: result.item) == JSONObject(["special": "vmi-standalone"]))
        #expect(
            result.output.additionalItems == [
                .persistentVolumeClaim("lab", "lab-scratch"), .networkAttachmentDefinition("lab", "lab-bridge"),
            ])
    }
}
