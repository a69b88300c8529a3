import VeleroPluginKit

/// D12 for VirtualMachinePools (docs/restore.md). A pool's VMs are named `<pool>-<index>` and owned by the pool; Velero
/// drops `ownerReferences` on restore, and KubeVirt's pool controller never adopts a VM without an owner (it only
/// releases its own, `ReleaseDetachedVirtualMachines`) while it creates the missing replicas under the first unused
/// indices (`calculateNewVMNames`, pkg/virt-controller/watch/pool/pool.go). Restored next to its restored VMs, a pool
/// would therefore run `replicas` more VMs. So a pool's VM is not restored when the Restore brings the pool back: the
/// pool creates it again from its template, and KubeVirt's VM controller takes the restored DataVolume of each
/// `dataVolumeTemplates` name (`<template>-<index>`) as it finds it (`handleDataVolumes`, pkg/virt-controller/watch/vm/vm.go).
/// Whether the pool is in the backup at all is decided at backup, where the Backup's filters, label selectors and the
/// pool's own labels are known, and recorded on the VM (`velero.kubevirt.io/pool-in-backup: "true"`).
enum PoolMembership {
    /// The pool's finalizer on its VMs; only the pool controller removes it, so a VM restored without its pool
    /// loses it, or it could never be deleted (`pkg/virt-controller/watch/pool/pool.go`).
    static let finalizer = "pool.kubevirt.io/finalizer"

    /// The VirtualMachinePool that owned an object (a VM, a ControllerRevision), read from the object as backed up
    /// (`itemFromBackup`, where the ownerReferences Velero drops from the item are still there). Only an object that
    /// names a pool is parsed.
    static func owningPool(ofBackedUp bytes: [UInt8]) -> String? {
        guard bytes.firstRange(of: Array("VirtualMachinePool".utf8)) != nil, let json = try? JSONValue.parse(bytes) else { return nil }
        return owningPool(of: json)
    }

    /// The VirtualMachinePool named in `object`'s ownerReferences (`pool.kubevirt.io`), if any.
    static func owningPool(of object: JSONValue) -> String? {
        for reference in ((try? object.array(at: ["metadata", "ownerReferences"])) ?? nil) ?? [] {
            guard (try? reference.string(at: ["kind"])) ?? nil == "VirtualMachinePool",
                let apiVersion = (try? reference.string(at: ["apiVersion"])) ?? nil, apiVersion.hasPrefix("pool.kubevirt.io/"),
                let name = (try? reference.string(at: ["name"])) ?? nil, !name.isEmpty
            else { continue }
            return name
        }
        return nil
    }

    /// Whether the Restore brings the pools of the backup back, so that their VMs are left to them: its resource lists
    /// let `virtualmachinepools` through and it selects by no label. With a label selector the pool's VMs are
    /// restored on their own: a selected VM brings its disks only as its additional items, which a skipped VM does
    /// not return (Velero stops at `skipRestore`), and the DataVolumes and PVCs a pool's VMs use carry no label of
    /// the pool's — left to the pool, they would be created empty.
    static func restoresPools(_ restore: KubernetesObject) throws(ActionError) -> Bool {
        func strings(_ key: String) throws(ActionError) -> [String] {
            (try restore.array(["spec", .key(key)]) ?? []).compactMap(\.stringValue)
        }
        let filter = BackupResourceFilter(includedResources: try strings("includedResources"), excludedResources: try strings("excludedResources"))
        guard filter.includes("virtualmachinepools") else { return false }
        let selector = try restore.object(["spec", "labelSelector"])
        let orSelectors = try restore.array(["spec", "orLabelSelectors"]) ?? []
        return selector == nil && orSelectors.isEmpty
    }
}
