import VeleroPluginKit

/// The `data` of Velero's change-storage-class ConfigMap: old storage class name → new (D14 in docs/decisions.md).
/// Velero's own `velero.io/change-storage-class` RestoreItemAction maps PVs, PVCs and StatefulSet claim templates
/// through it (pkg/restore/actions/change_storageclass_action.go); this plugin applies the same map to DataVolumes
/// and to VM `dataVolumeTemplates`, which Velero does not know.
struct StorageClassMapping: Sendable, Equatable {
    /// How Velero finds the ConfigMap in its namespace (`common.PluginConfigLabelSelector` for kind RestoreItemAction
    /// and name `velero.io/change-storage-class`, pkg/plugin/framework/common/plugin_config.go).
    static let labelSelector = "velero.io/plugin-config,velero.io/change-storage-class=RestoreItemAction"

    /// `namespace/name` of the ConfigMap, for messages.
    let configMap: String
    let classes: [String: String]

    init(configMap: String, classes: [String: String]) {
        self.configMap = configMap
        self.classes = classes
    }

    /// Reads the ConfigMap's `data`; a value that is not a string is an error naming the ConfigMap and the key.
    init(configMap object: KubernetesObject) throws(ActionError) {
        var classes: [String: String] = [:]
        for old in try object.object(["data"])?.keys ?? [] {
            classes[old] = try object.string(["data", .key(old)])
        }
        self.init(configMap: object.namespacedName, classes: classes)
    }

    /// Velero does nothing when the ConfigMap has no data.
    var isEmpty: Bool { classes.isEmpty }

    func target(of storageClass: String) -> String? {
        storageClass.isEmpty ? nil : classes[storageClass]
    }
}

/// One `storageClassName` a mapping changes: where, from what, to what.
struct StorageClassChange: Sendable, Equatable, CustomStringConvertible {
    let path: JSONPath
    let old: String
    let new: String

    var description: String { "\(path): \(old) → \(new)" }
}

extension KubernetesObject {
    /// `<vmSpec>.dataVolumeTemplates[i].spec` of a VM (`vmSpec` = `spec`) or of a pool's VM template
    /// (`spec.virtualMachineTemplate.spec`).
    func dataVolumeTemplateSpecs(vmSpec: JSONPath = ["spec"]) throws(ActionError) -> [JSONPath] {
        let count = try count(vmSpec.appending("dataVolumeTemplates"))
        return (0..<count).map { vmSpec.appending("dataVolumeTemplates", .index($0), "spec") }
    }

    /// The `storageClassName` paths a DataVolume spec at `spec` can name its class at (`storage` or `pvc`).
    private static func storageClassPaths(spec: JSONPath) -> [JSONPath] {
        [spec.appending("storage", "storageClassName"), spec.appending("pvc", "storageClassName")]
    }

    /// Whether any of the DataVolume specs names a storage class (a restore without one needs no ConfigMap read).
    func namesStorageClass(specs: [JSONPath]) throws(ActionError) -> Bool {
        for spec in specs {
            for path in Self.storageClassPaths(spec: spec) where !(try string(path) ?? "").isEmpty { return true }
        }
        return false
    }

    /// The changes `mapping` makes to the DataVolume specs, not yet applied.
    func storageClassChanges(specs: [JSONPath], _ mapping: StorageClassMapping) throws(ActionError) -> [StorageClassChange] {
        var changes: [StorageClassChange] = []
        for spec in specs {
            for path in Self.storageClassPaths(spec: spec) {
                guard let old = try string(path), let new = mapping.target(of: old) else { continue }
                changes.append(StorageClassChange(path: path, old: old, new: new))
            }
        }
        return changes
    }
}
