import VeleroPluginKit

/// D12 for VirtualMachinePools (docs/restore.md). A pool's VMs are named `<pool>-<index>` and owned by the pool; Velero
/// drops `ownerReferences` on restore, and KubeVirt's pool controller never adopts a VM without an owner (it only
/// releases its own, `ReleaseDetachedVirtualMachines`) while it creates the missing replicas under the first unused
/// indices (`calculateNewVMNames`, pkg/virt-controller/watch/pool/pool.go). Restored next to its restored VMs, a pool
/// would therefore run `replicas` more VMs. So a pool's VM is not restored when the Restore brings the pool back: the
/// pool creates it again from its template, and KubeVirt's VM controller takes the restored DataVolume of each
/// `dataVolumeTemplates` name (`<template>-<index>`) as it finds it (`handleDataVolumes`, pkg/virt-controller/watch/vm/vm.go).
enum PoolMembership {
    /// The VirtualMachinePool that owned an object (a VM, a ControllerRevision), read from the object as backed up
    /// (`itemFromBackup`, where the ownerReferences Velero drops from the item are still there). Only an object that
    /// names a pool is parsed.
    static func owningPool(ofBackedUp bytes: [UInt8]) -> String? {
        guard bytes.firstRange(of: Array("VirtualMachinePool".utf8)) != nil,
            let json = try? JSONValue.parse(bytes), let references = (try? json.array(at: ["metadata", "ownerReferences"])) ?? nil
        else { return nil }
        for reference in references {
            guard (try? reference.string(at: ["kind"])) ?? nil == "VirtualMachinePool",
                let apiVersion = (try? reference.string(at: ["apiVersion"])) ?? nil, apiVersion.hasPrefix("pool.kubevirt.io/"),
                let name = (try? reference.string(at: ["name"])) ?? nil, !name.isEmpty
            else { continue }
            return name
        }
        return nil
    }

    /// Whether the Restore brings the pools of the backup back, so that their VMs are left to them: its resource lists
    /// let `virtualmachinepools` through and its label selector, if any, may select a pool. A selector that requires
    /// `velero.kubevirt.io/vm-name` (D13's single-VM restore) selects VMs and VMIs only, never a pool; then the pool's
    /// VM is restored on its own. Any other selector is taken to select the pool with its VMs.
    static func restoresPools(_ restore: KubernetesObject) throws(ActionError) -> Bool {
        func strings(_ key: String) throws(ActionError) -> [String] {
            (try restore.array(["spec", .key(key)]) ?? []).compactMap(\.stringValue)
        }
        let filter = BackupResourceFilter(includedResources: try strings("includedResources"), excludedResources: try strings("excludedResources"))
        guard filter.includes("virtualmachinepools") else { return false }
        let orSelectors = try restore.array(["spec", "orLabelSelectors"]) ?? []
        if !orSelectors.isEmpty { return !orSelectors.allSatisfy(requiresVMNameLabel) }
        if let selector = try restore.object(["spec", "labelSelector"]) { return !requiresVMNameLabel(.object(selector)) }
        return true
    }

    /// A metav1.LabelSelector that matches only objects carrying `velero.kubevirt.io/vm-name`.
    private static func requiresVMNameLabel(_ selector: JSONValue) -> Bool {
        if ((try? selector.string(at: ["matchLabels", .key(Label.vmName)])) ?? nil) != nil { return true }
        for expression in ((try? selector.array(at: ["matchExpressions"])) ?? nil) ?? [] {
            let key = (try? expression.string(at: ["key"])) ?? nil
            let requirement = (try? expression.string(at: ["operator"])) ?? nil
            if key == Label.vmName, requirement == "In" || requirement == "Exists" { return true }
        }
        return false
    }
}
