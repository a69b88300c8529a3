import VeleroPluginKit

/// The Secrets and ConfigMaps a DataVolume's `spec.source` needs to import its disk (CDI v1beta1
/// `DataVolumeSource`): credentials (`secretRef`), a CA bundle (`certConfigMap`), HTTP headers kept in Secrets
/// (`http.secretExtraHeaders`) and VDDK's extra-arguments ConfigMap (`vddk.extraArgs`). CDI reads them again
/// whenever it populates the disk anew: a DataVolume restored before its import finished, or a VM's template
/// DataVolume recreated on restore. All of these sources name objects in the DataVolume's own namespace.
///
/// Clone sources (`source.pvc`, `source.snapshot`, `sourceRef`) are not followed: they can be large golden images in
/// another namespace (docs/object-graph.md).
enum DataVolumeSourceReferences {
    /// Source types in CDI's order of fields, with the keys each may carry.
    private static let sources: [(type: String, secretRef: Bool, certConfigMap: Bool)] = [
        ("http", true, true), ("registry", true, true), ("s3", true, true), ("gcs", true, false),
        ("imageio", true, true), ("vddk", true, true),
    ]

    /// The references of the DataVolume spec at `spec` (`spec` of a DataVolume, `spec.dataVolumeTemplates[i].spec`
    /// of a VM), named in `namespace`.
    static func of(_ object: KubernetesObject, spec: JSONPath) throws(ActionError) -> [ResourceIdentifier] {
        let namespace = object.namespace
        var items: [ResourceIdentifier] = []
        for source in sources {
            let path = spec.appending("source", .key(source.type))
            guard try object.hasObject(path) else { continue }
            if source.secretRef, let name = try object.string(path.appending("secretRef")), !name.isEmpty {
                items.append(.secret(namespace, name))
            }
            if source.certConfigMap, let name = try object.string(path.appending("certConfigMap")), !name.isEmpty {
                items.append(.configMap(namespace, name))
            }
            if source.type == "http" {
                for index in 0..<(try object.count(path.appending("secretExtraHeaders"))) {
                    if let name = try object.string(path.appending("secretExtraHeaders", .index(index))), !name.isEmpty {
                        items.append(.secret(namespace, name))
                    }
                }
            }
            if source.type == "vddk", let name = try object.string(path.appending("extraArgs")), !name.isEmpty {
                items.append(.configMap(namespace, name))
            }
        }
        return items
    }
}

extension SpecGraphSteps {
    /// The source references of every `spec.dataVolumeTemplates[]` of a VM, in template order.
    func dataVolumeTemplateSources(of vm: KubernetesObject) throws(ActionError) -> [ResourceIdentifier] {
        var items: [ResourceIdentifier] = []
        for index in 0..<(try vm.count(["spec", "dataVolumeTemplates"])) {
            items += try DataVolumeSourceReferences.of(vm, spec: ["spec", "dataVolumeTemplates", .index(index), "spec"])
        }
        return items
    }
}
