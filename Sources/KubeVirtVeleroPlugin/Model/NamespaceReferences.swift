import VeleroPluginKit

/// The references inside KubeVirt and CDI objects that spell a namespace, rewritten for a namespace-mapped restore
/// (D11 in docs/decisions.md). Each edit changes only the string at its path and reports what it changed, as
/// `path: old → new`.
extension KubernetesObject {
    /// multus `networkName` (`<namespace>/<nad>`) of every network in the array at `networks`; a bare `<nad>` means
    /// the object's own namespace, which Velero moves, and needs nothing.
    mutating func mapMultusNetworkNames(networks: JSONPath, _ mapping: NamespaceMapping) throws(ActionError) -> [String] {
        guard !mapping.isEmpty, let count = try array(networks)?.count else { return [] }
        var changes: [String] = []
        for index in 0..<count {
            let path = networks.appending(.index(index), "multus", "networkName")
            guard let reference = try string(path), let mapped = mapping.mappedQualifiedName(reference) else { continue }
            try set(.string(mapped), at: path)
            changes.append("\(path): \(reference) → \(mapped)")
        }
        return changes
    }

    /// The namespaces a DataVolume spec at `spec` copies from: `source.pvc`, `source.snapshot` (clones) and
    /// `sourceRef` (a DataSource). A namespace the mapping does not name (a shared image namespace) is kept.
    mutating func mapDataVolumeSourceNamespaces(spec: JSONPath, _ mapping: NamespaceMapping) throws(ActionError) -> [String] {
        guard !mapping.isEmpty else { return [] }
        var changes: [String] = []
        for reference in [spec.appending("source", "pvc"), spec.appending("source", "snapshot"), spec.appending("sourceRef")] {
            let path = reference.appending("namespace")
            guard let namespace = try string(path), let target = mapping.target(of: namespace) else { continue }
            try set(.string(target), at: path)
            changes.append("\(path): \(namespace) → \(target)")
        }
        return changes
    }

    /// `mapDataVolumeSourceNamespaces` for each of a VM's `spec.dataVolumeTemplates` (or those of the VM spec at
    /// `vmSpec`).
    mutating func mapDataVolumeTemplateNamespaces(_ mapping: NamespaceMapping, vmSpec: JSONPath = ["spec"]) throws(ActionError) -> [String] {
        guard !mapping.isEmpty else { return [] }
        var changes: [String] = []
        for spec in try dataVolumeTemplateSpecs(vmSpec: vmSpec) { changes += try mapDataVolumeSourceNamespaces(spec: spec, mapping) }
        return changes
    }

    /// The namespace references of the VM spec at `vmSpec` (`spec` of a VM, `spec.virtualMachineTemplate.spec` of a
    /// pool): its template's multus networks and its `dataVolumeTemplates`' sources.
    mutating func mapVirtualMachineSpecNamespaces(vmSpec: JSONPath, _ mapping: NamespaceMapping) throws(ActionError) -> [String] {
        try mapMultusNetworkNames(networks: vmSpec.appending("template", "spec", "networks"), mapping)
            + mapDataVolumeTemplateNamespaces(mapping, vmSpec: vmSpec)
    }
}
