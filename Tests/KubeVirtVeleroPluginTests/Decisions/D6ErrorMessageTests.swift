import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D6 (docs/decisions.md): each error starts with the reference text, then names the object and the filter or label
/// responsible.
@Suite("D6 error messages")
struct D6ErrorMessageTests {
    static let runningVM = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},
         "spec":{"template":{"spec":{"volumes":[{"name":"disk0","dataVolume":{"name":"dv0"}},{"name":"data","persistentVolumeClaim":{"claimName":"pvc0"}}]}}},
         "status":{"printableStatus":"Running","created":true}}
        """#)
    static let launcherPod = json(#"{"metadata":{"name":"virt-launcher-vm1-x","annotations":{"kubevirt.io/domain":"vm1"}}}"#)
    static let vmi = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vm1","namespace":"ns"},
         "spec":{"volumes":[{"name":"disk0","dataVolume":{"name":"dv0"}}]},"status":{"phase":"Running"}}
        """#)

    static func harness(vmiLabels: JSONValue = [:], podLabels: JSONValue = [:], dvLabels: JSONValue = [:]) -> Harness {
        Harness(FakeClusterReader { state in
            state.virtualMachineInstances["ns/vm1"] = json(#"{"metadata":{"name":"vm1"}}"#).with(["metadata", "labels"], vmiLabels)
            state.launcherPods["ns"] = [launcherPod.with(["metadata", "labels"], podLabels)]
            state.dataVolumes["ns/dv0"] = json(#"{"metadata":{"name":"dv0"}}"#).with(["metadata", "labels"], dvLabels)
            state.claims["ns/pvc0"] = json(#"{"metadata":{"name":"pvc0"}}"#)
            state.claims["ns/dv0"] = json(#"{"metadata":{"name":"dv0"}}"#)
        })
    }

    static let excludeLabel: JSONValue = ["velero.io/exclude-from-backup": "true"]

    @Test("VM cannot be safely backed up: VMIs not in the backup, with the filter lists")
    func unsafeByFilter() async {
        let harness = Self.harness()
        await expectError(
            startingWith: "VM cannot be safely backed up: ",
            containing: ["VM ns/vm1 is Running", "virtualmachineinstances are not in the backup", "includedResources=[pods, persistentvolumeclaims] excludedResources=[]"]
        ) {
            _ = try await harness.backupItem(harness.vmBackup, Self.runningVM, backup: backup(included: ["pods", "persistentvolumeclaims"]))
        }
        #expect(harness.logs.messages(at: .info).contains("Backup of a running VM does not contain VMI."))
        #expect(harness.logs.messages(at: .error).isEmpty, "expected conditions are never logged at error level")
    }

    @Test("VM cannot be safely backed up: VMI labelled exclude-from-backup")
    func unsafeByVMILabel() async {
        let harness = Self.harness(vmiLabels: Self.excludeLabel)
        await expectError(
            startingWith: "VM cannot be safely backed up: ",
            containing: ["VMI ns/vm1 is labelled velero.io/exclude-from-backup=true"]
        ) {
            _ = try await harness.backupItem(harness.vmBackup, Self.runningVM)
        }
        #expect(harness.logs.contains("VM is running but VMI is not included in the backup"))
    }

    @Test("VM cannot be safely backed up: pods excluded while PVCs are included")
    func unsafeByPods() async {
        let harness = Self.harness()
        await expectError(
            startingWith: "VM cannot be safely backed up: ",
            containing: ["pods are not in the backup while persistentvolumeclaims are", "excludedResources=[pods]"]
        ) {
            _ = try await harness.backupItem(harness.vmBackup, Self.runningVM, backup: backup(excluded: ["pods"]))
        }
        #expect(harness.logs.contains("Backup of a running VM does not contain Pod but contains PVC"))
    }

    @Test("raw API NotFound for the VMI of a running VM keeps the API text first")
    func vmiNotFound() async {
        let harness = Harness()
        await expectError(
            startingWith: #"virtualmachineinstances.kubevirt.io "vm1" not found: "#,
            containing: ["VMI of running VM ns/vm1", "velero.io/exclude-from-backup"]
        ) {
            _ = try await harness.backupItem(harness.vmBackup, Self.runningVM)
        }
    }

    @Test("VM would not be restored correctly: DataVolume excluded by filters")
    func notRestorableByFilter() async {
        let harness = Self.harness()
        let stopped = Self.runningVM.with(["status"], ["printableStatus": "Stopped"])
        await expectError(
            startingWith: "VM would not be restored correctly: ",
            containing: ["volume disk0", "DataVolume ns/dv0", "excludedResources=[datavolumes]"]
        ) {
            _ = try await harness.backupItem(harness.vmBackup, stopped, backup: backup(excluded: ["datavolumes"]))
        }
        #expect(harness.logs.contains("DataVolume dv0 not included in backup"))
    }

    @Test("VM would not be restored correctly: DataVolume labelled exclude-from-backup")
    func notRestorableByLabel() async {
        let harness = Self.harness(dvLabels: Self.excludeLabel)
        let stopped = Self.runningVM.with(["status"], ["printableStatus": "Stopped"])
        await expectError(
            startingWith: "VM would not be restored correctly: ",
            containing: ["volume disk0", "DataVolume ns/dv0", "labelled velero.io/exclude-from-backup=true"]
        ) {
            _ = try await harness.backupItem(harness.vmBackup, stopped)
        }
    }

    @Test("VM would not be restored correctly: PVC excluded by filters")
    func notRestorablePVC() async {
        let harness = Self.harness()
        let stopped = Self.runningVM.with(["status"], ["printableStatus": "Stopped"])
            .with(["spec", "dataVolumeTemplates"], [["metadata": ["name": "dv0"]]])
        await expectError(
            startingWith: "VM would not be restored correctly: ",
            containing: ["volume data", "PersistentVolumeClaim ns/pvc0", "excludedResources=[pvc]"]
        ) {
            _ = try await harness.backupItem(harness.vmBackup, stopped, backup: backup(excluded: ["pvc"]))
        }
        #expect(harness.logs.contains("PVC pvc0 not included in backup"))
        #expect(!harness.reader.calls.contains("GET datavolumes.cdi.kubevirt.io ns/dv0"), "template DataVolumes are skipped")
    }

    @Test("a missing PVC is an error with the API text first and the volume")
    func missingClaim() async {
        let harness = Harness()
        let vm = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"volumes":[{"name":"data","persistentVolumeClaim":{"claimName":"gone"}}]}}}}"#)
        await expectError(
            startingWith: #"persistentvolumeclaims "gone" not found: "#, containing: ["volume data of VirtualMachine ns/vm1"]
        ) {
            _ = try await harness.backupItem(harness.vmBackup, vm)
        }
    }

    @Test("VM is running but launcher pod is not included: pods filtered while PVCs are included")
    func launcherByFilter() async {
        let harness = Self.harness()
        await expectError(
            startingWith: "VM is running but launcher pod is not included in the backup: ",
            containing: ["VMI ns/vm1 is not paused", "pods are not in the backup", "includedResources=[virtualmachineinstances, persistentvolumeclaims]"]
        ) {
            _ = try await harness.backupItem(
                harness.vmiBackup, Self.vmi, backup: backup(included: ["virtualmachineinstances", "persistentvolumeclaims"]))
        }
    }

    @Test("VM is running but launcher pod is not included: pod labelled exclude-from-backup")
    func launcherByLabel() async {
        let harness = Self.harness(podLabels: Self.excludeLabel)
        await expectError(
            startingWith: "VM is running but launcher pod is not included in the backup: ",
            containing: ["launcher pod ns/virt-launcher-vm1-x is labelled velero.io/exclude-from-backup=true", "VMI ns/vm1"]
        ) {
            _ = try await harness.backupItem(harness.vmiBackup, Self.vmi)
        }
    }

    @Test("pod for running VMI not found: names the selector, annotation, namespace and phase")
    func podNotFound() async {
        let harness = Harness(FakeClusterReader { $0.launcherPods["ns"] = [] })
        await expectError(
            startingWith: "pod for running VMI not found: ",
            containing: ["kubevirt.io=virt-launcher", "kubevirt.io/domain=vm1", "namespace ns", "VMI phase Running"]
        ) {
            _ = try await harness.backupItem(harness.vmiBackup, Self.vmi)
        }
    }

    @Test("VM has DataVolume or PVC volumes ...: names VMI, volume, DataVolume and filters")
    func standaloneVolumesByFilter() async {
        let harness = Self.harness()
        await expectError(
            startingWith: "VM has DataVolume or PVC volumes and DataVolumes/PVCs is not included in the backup: ",
            containing: ["VMI ns/vm1 volume disk0 uses DataVolume dv0", "excludedResources=[dv]"]
        ) {
            _ = try await harness.backupItem(harness.vmiBackup, Self.vmi, backup: backup(excluded: ["dv"]))
        }
    }

    @Test("VM has DataVolume or PVC volumes ...: DataVolume labelled exclude-from-backup")
    func standaloneVolumesByLabel() async {
        let harness = Self.harness(dvLabels: Self.excludeLabel)
        await expectError(
            startingWith: "VM has DataVolume or PVC volumes and DataVolumes/PVCs is not included in the backup: ",
            containing: ["volume disk0 uses DataVolume dv0", "labelled velero.io/exclude-from-backup=true"]
        ) {
            _ = try await harness.backupItem(harness.vmiBackup, Self.vmi)
        }
    }

    @Test("PVC <name> not found in namespace <ns>: names the VolumeSnapshot")
    func snapshotSourceMissing() async {
        let harness = Harness()
        let snapshot = json(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"vs1","namespace":"ns"},"spec":{"source":{"persistentVolumeClaimName":"gone"}}}"#)
        await expectError(startingWith: "PVC gone not found in namespace ns: ", containing: ["VolumeSnapshot ns/vs1"]) {
            _ = try await harness.backupItem(harness.volumeSnapshotBackup, snapshot)
        }
    }

    @Test("Kubernetes client not available: says why")
    func clientUnavailable() async {
        let harness = Harness()
        let unavailable = ClusterCache(reader: UnavailableClusterReader(reason: "KUBERNETES_SERVICE_HOST is not set"))
        let action = VolumeSnapshotBackupItemAction(cluster: unavailable, logger: harness.logs.logger)
        let snapshot = json(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"vs1","namespace":"ns"},"spec":{"source":{"persistentVolumeClaimName":"p"}}}"#)
        await expectError(
            startingWith: "Kubernetes client not available: KUBERNETES_SERVICE_HOST is not set",
            containing: ["VolumeSnapshot ns/vs1"]
        ) {
            _ = try await harness.backupItem(action, snapshot)
        }
    }

    @Test("failed to get launcher pod from VMI <ns>/<name>: <err>")
    func launcherListFails() async {
        let harness = Harness(FakeClusterReader { $0.podListError = SimulatedAPIError(description: "connection refused") })
        await expectError(startingWith: "failed to get launcher pod from VMI ns/vm1: connection refused") {
            _ = try await harness.backupItem(harness.vmiBackup, Self.vmi)
        }
    }

    @Test("failed to get DV <ns>/<name>: <err> (owner of PVC ...)")
    func ownerDataVolumeFails() async {
        let harness = Harness(FakeClusterReader { $0.getError = SimulatedAPIError(description: "Unauthorized") })
        let claim = json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"pvc0","namespace":"ns","ownerReferences":[{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","name":"dv0"}]}}"#)
        await expectError(startingWith: "failed to get DV ns/dv0: Unauthorized (owner of PVC ns/pvc0)") {
            _ = try await harness.backupItem(harness.dvBackup, claim)
        }
    }

    @Test("a PVC whose owner DataVolume is gone fails with the API text first")
    func ownerDataVolumeMissing() async {
        let harness = Harness()
        let claim = json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"pvc0","namespace":"ns","ownerReferences":[{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","name":"dv0"}]}}"#)
        await expectError(startingWith: #"datavolumes.cdi.kubevirt.io "dv0" not found: owner of PVC ns/pvc0"#) {
            _ = try await harness.backupItem(harness.dvBackup, claim)
        }
    }
}
