/// The namespaced resources whose presence in a backup (or a restore) the actions check, with every name a user may write for
/// them in a Backup's resource lists (D3 in docs/decisions.md: plural, singular, Kind and kubectl short names).
struct KnownResource: Sendable, Equatable {
    let resource: ClusterResource
    /// All accepted spellings, lower-case, plural first.
    let names: [String]

    static let virtualMachines = KnownResource(resource: .virtualMachines, names: ["virtualmachines", "virtualmachine", "vm", "vms"])
    static let virtualMachineInstances = KnownResource(
        resource: .virtualMachineInstances, names: ["virtualmachineinstances", "virtualmachineinstance", "vmi", "vmis"])
    static let persistentVolumeClaims = KnownResource(
        resource: .persistentVolumeClaims, names: ["persistentvolumeclaims", "persistentvolumeclaim", "pvc", "pvcs"])
    static let pods = KnownResource(resource: .pods, names: ["pods", "pod", "po"])
    static let dataVolumes = KnownResource(resource: .dataVolumes, names: ["datavolumes", "datavolume", "dv", "dvs"])
    /// D12: whether a Restore brings back VirtualMachinePools (short names from KubeVirt's CRD, crds.go).
    static let virtualMachinePools = KnownResource(
        resource: .virtualMachinePools, names: ["virtualmachinepools", "virtualmachinepool", "vmpool", "vmpools"])

    static let all: [KnownResource] = [
        virtualMachines, virtualMachineInstances, persistentVolumeClaims, pods, dataVolumes, virtualMachinePools,
    ]

    /// The table entry a queried name refers to (`pod`, `DataVolumes`, `persistentvolumeclaims`), if any.
    static func named(_ name: String) -> KnownResource? {
        let lowered = name.lowercased()
        return all.first { $0.names.contains(lowered) }
    }

    /// Whether one Backup list entry (`vm`, `pods.`, `virtualmachines.kubevirt.io`) names this resource. Text after
    /// the first dot is the API group and must match; without a dot any group is accepted.
    func isNamed(byEntry entry: String) -> Bool {
        let (name, entryGroup) = BackupResourceFilter.splitAtFirstDot(entry)
        if let entryGroup, entryGroup.lowercased() != resource.group { return false }
        return names.contains { BackupResourceFilter.equalIgnoringPlural(name, $0) }
    }
}
