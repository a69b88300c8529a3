/// KubeVirt's and CDI's objects that *act* when they are created (D12 in docs/decisions.md): the kinds this plugin
/// keeps out of a restore, each with the reason its controller gives, read from the controller's source. Velero
/// restores an object without its `status`, and each of these keeps "already done" only there, so a restored one
/// would look new and run again.
struct OperationObject: Sendable, Equatable {
    /// The kind, as in `kubevirt-velero-plugin/restore-<kind lowercased>-action` and in log lines.
    let kind: String
    /// `plural.group`, the AppliesTo resource.
    let resource: String
    /// Why it is not restored: the rest of the Info line `<kind> <ns>/<name> not restored: <reason>`.
    let reason: String

    var actionName: String { "kubevirt-velero-plugin/restore-\(kind.lowercased())-action" }

    /// In ListPlugins order (names sorted).
    static let all: [OperationObject] = [
        OperationObject(
            kind: "VirtualMachineBackup", resource: "virtualmachinebackups.backup.kubevirt.io",
            reason: "a backup request (KubeVirt changed-block tracking) whose completion is in its status; restored, KubeVirt "
                + "would take a new full backup into its PVC as soon as the VM runs"),
        OperationObject(
            kind: "VirtualMachineClone", resource: "virtualmachineclones.clone.kubevirt.io",
            reason: "its progress is in its status, so KubeVirt would run the clone again (a new snapshot of the source VM); "
                + "the clone's target VM is restored on its own"),
        OperationObject(
            kind: "VirtualMachineExport", resource: "virtualmachineexports.export.kubevirt.io",
            reason: "KubeVirt would start a new exporter pod serving the VM's disks for a fresh time-to-live"),
        OperationObject(
            kind: "VirtualMachineInstanceMigration", resource: "virtualmachineinstancemigrations.kubevirt.io",
            reason: "a migration of a running VMI that the restore does not bring back; KubeVirt would refuse it, or migrate "
                + "the VM's new VMI"),
        OperationObject(
            kind: "VirtualMachineRestore", resource: "virtualmachinerestores.snapshot.kubevirt.io",
            reason: "its completion is in its status, so KubeVirt would run it again and roll the restored VM back to the snapshot"),
        OperationObject(
            kind: "VirtualMachineSnapshot", resource: "virtualmachinesnapshots.snapshot.kubevirt.io",
            reason: "its link to its content is in its status, so KubeVirt would take a new snapshot of the current VM under "
                + "this name"),
        OperationObject(
            kind: "VirtualMachineSnapshotContent", resource: "virtualmachinesnapshotcontents.snapshot.kubevirt.io",
            reason: "its VirtualMachineSnapshot is not restored, and KubeVirt could fill it with new volume snapshots of the "
                + "current disks"),
    ]
}
