/// Labels this plugin reads or writes (documented for users in docs/labels-and-annotations.md).
enum Label {
    /// Backup label: back up VM metadata only, skipping the "volumes will be restorable" checks.
    static let metadataBackup = "velero.kubevirt.io/metadataBackup"
    /// Restore label: its value becomes the restored VM's `spec.runStrategy`.
    static let restoreRunStrategy = "velero.kubevirt.io/restore-run-strategy"
    /// Restore label (presence): drop interface MAC addresses.
    static let clearMACAddress = "velero.kubevirt.io/clear-mac-address"
    /// Restore label (presence): give the restored VM a new random firmware UUID.
    static let generateNewFirmwareUUID = "velero.kubevirt.io/generate-new-firmware-uuid"
    /// Velero's own opt-out label; compared with `"true"` exactly.
    static let excludeFromBackup = "velero.io/exclude-from-backup"
    /// PVC and VolumeSnapshot label carrying the source PVC's uid, for selective restores.
    static let pvcUID = "velero.kubevirt.io/pvc-uid"
    /// Backup label on VMs and standalone VMIs: the VM's name, for `velero restore create --selector` of one VM (D13).
    static let vmName = "velero.kubevirt.io/vm-name"
    /// KubeVirt's label on launcher pods (`virt-launcher`) and hotplug pods (`hotplug-disk`).
    static let kubevirt = "kubevirt.io"
    /// KubeVirt's label on backend-storage PVCs (persistent TPM/EFI state); value = VM name.
    static let persistentStateFor = "persistent-state-for"
    /// VMI labels KubeVirt's webhook rejects on create; removed on restore.
    static let restrictedVMILabels = [
        "kubevirt.io/created-by",
        "kubevirt.io/migrationJobUID",
        "kubevirt.io/nodeName",
        "kubevirt.io/migrationTargetNodeName",
        "kubevirt.io/schedulable",
        "kubevirt.io/install-strategy",
    ]
}

/// Annotations this plugin reads or writes.
enum Annotation {
    /// On a VMI owned by a VM: skipped on restore (KubeVirt recreates it from the VM).
    static let isOwned = "cdi.kubevirt.io/velero.isOwned"
    /// On a DataVolume that had finished: CDI treats the restored DV as populated.
    static let prePopulated = "cdi.kubevirt.io/storage.prePopulated"
    /// On a PVC whose DataVolume had finished: CDI adopts the restored PVC.
    static let populatedFor = "cdi.kubevirt.io/storage.populatedFor"
    /// On a PVC whose DataVolume had not finished: the PVC is not restored; CDI repopulates it.
    static let inProgress = "kvp.kubevirt.io/storage.inprogress"
    /// A user's own `velero.kubevirt.io/pvc-uid` label value on a PVC, kept while the label is overwritten.
    static let originalPVCUID = "velero.kubevirt.io/original-pvc-uid"
    /// The same for VolumeSnapshots.
    static let originalVolumeSnapshotUID = "velero.kubevirt.io/original-volumesnapshot-uid"
    /// On launcher pods: the name of the VMI the pod runs.
    static let domain = "kubevirt.io/domain"
    /// On a backed-up VM: the backend-storage PVCs (persistent TPM/EFI) its backup found, comma-separated, so the
    /// restore names them without asking the live cluster; removed from the restored VM.
    static let backendStoragePVCs = "velero.kubevirt.io/backend-storage-pvcs"
    /// OADP's kubevirt-datamover, on a restored VM it holds at Halted until its DataDownloads complete: the run
    /// strategy its controller sets then, and which field it goes to (`runStrategy` or `running`).
    static let dataMoverOriginalRunStrategy = "kubevirt-datamover.io/original-run-strategy"
    static let dataMoverOriginalRunStrategySource = "kubevirt-datamover.io/original-run-strategy-source"
    /// On a backed-up VM or VMI whose `velero.kubevirt.io/vm-name` label the backup added (D13); restore removes both.
    static let vmNameAdded = "velero.kubevirt.io/vm-name-added"
    /// On a backed-up VM of a VirtualMachinePool that is in the same backup (D12): its restore leaves the VM to the
    /// pool. Removed from a restored VM.
    static let poolInBackup = "velero.kubevirt.io/pool-in-backup"
    /// On a VMI (a VM's template): the JSON list of hook sidecars KubeVirt adds to the launcher pod.
    static let hookSidecars = "hooks.kubevirt.io/hookSidecars"
}
