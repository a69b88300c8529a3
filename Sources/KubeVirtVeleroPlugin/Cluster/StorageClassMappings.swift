import Logging
import VeleroPluginKit

/// Velero's change-storage-class ConfigMap, read once per restore (D14 in docs/decisions.md), and the storage classes
/// it maps onto, each checked once. Velero's own action reads the ConfigMap as `common.GetPluginConfig` does: a LIST
/// by label selector in Velero's namespace, none → no mapping, two or more → an error naming them
/// (pkg/plugin/framework/common/plugin_config.go); a class it maps onto must exist (`isStorageClassExist`,
/// pkg/restore/actions/change_storageclass_action.go). A cached LIST keeps names only, so the one ConfigMap found is
/// then read whole with a GET. Failures are not kept: the next item tries again.
final class StorageClassMappings: Sendable {
    private let reader: any ClusterReader
    /// Per Velero namespace: the mapping, or `nil` when there is no ConfigMap or it has no data.
    private let mappings = SharedLoads<String, StorageClassMapping?>()
    private let existingClasses = SharedLoads<String, Bool>()

    init(reader: any ClusterReader) {
        self.reader = reader
    }

    /// The mapping of the ConfigMap in `veleroNamespace`, or `nil` when there is none.
    func mapping(veleroNamespace: String) async throws(ActionError) -> StorageClassMapping? {
        do {
            return try await mappings.value(for: veleroNamespace) { [reader] in
                try await Self.load(reader, veleroNamespace: veleroNamespace)
            }
        } catch let error as ActionError {
            throw error
        } catch {
            throw ActionError("cannot read Velero's change-storage-class ConfigMap in namespace \(veleroNamespace): \(error)")
        }
    }

    private static func load(_ reader: any ClusterReader, veleroNamespace: String) async throws(ActionError) -> StorageClassMapping? {
        let listed: [JSONValue]
        do {
            listed = try await reader.list(.configMaps, namespace: veleroNamespace, labelSelector: StorageClassMapping.labelSelector)
        } catch {
            throw ActionError("cannot read Velero's change-storage-class ConfigMap in namespace \(veleroNamespace): \(error)")
        }
        let names = listed.map { (try? $0.string(at: ["metadata", "name"])).flatMap { $0 } ?? "" }
        guard let name = names.first else { return nil }
        guard names.count == 1 else {
            // Velero's own message (GetPluginConfig), which its action fails the PVCs with too.
            throw ActionError(
                "found more than one ConfigMap matching label selector \"\(StorageClassMapping.labelSelector)\": [\(names.joined(separator: " "))]")
        }
        let object: JSONValue
        do {
            object = try await reader.get(.configMaps, namespace: veleroNamespace, name: name)
        } catch {
            throw ActionError("cannot read Velero's change-storage-class ConfigMap \(veleroNamespace)/\(name): \(error)")
        }
        let mapping = try StorageClassMapping(configMap: KubernetesObject(fetched: object, kind: "ConfigMap"))
        return mapping.isEmpty ? nil : mapping
    }

    /// Checks that storage class `name` exists, as Velero does before mapping a PVC onto it; the error is Velero's
    /// (`error getting storage class <name> from API: …`) after `context`.
    func requireStorageClass(_ name: String, context: String) async throws(ActionError) {
        do {
            _ = try await existingClasses.value(for: name) { [reader] in
                _ = try await reader.get(.storageClasses, namespace: "", name: name)
                return true
            }
        } catch {
            throw ActionError("\(context): error getting storage class \(name) from API: \(error)")
        }
    }

    /// Applies the Restore's storage-class mapping to the DataVolume specs `specs` of `object` (a DataVolume, or a
    /// VM's `dataVolumeTemplates`), logging each change. An object that names no storage class costs no request.
    /// Returns whether anything changed.
    func rewrite(
        _ object: inout KubernetesObject, specs: [JSONPath], veleroNamespace: String, logger: Logger
    ) async throws(ActionError) -> Bool {
        guard !veleroNamespace.isEmpty, try object.namesStorageClass(specs: specs),
            let mapping = try await mapping(veleroNamespace: veleroNamespace)
        else { return false }
        let changes = try object.storageClassChanges(specs: specs, mapping)
        for change in changes {
            try await requireStorageClass(
                change.new,
                context: "\(object.reference): \(change.path): ConfigMap \(mapping.configMap) maps storage class \(change.old) onto \(change.new)")
            try object.set(.string(change.new), at: change.path)
            logger.info("\(object.reference): \(change) (ConfigMap \(mapping.configMap))")
        }
        return !changes.isEmpty
    }
}
