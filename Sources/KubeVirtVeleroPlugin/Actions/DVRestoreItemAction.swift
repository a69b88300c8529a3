import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-datavolume-action` (D11 in docs/decisions.md; the Go plugin has none). In a
/// namespace-mapped restore, the namespaces a DataVolume copies from (`spec.source.pvc`, `spec.source.snapshot`,
/// `spec.sourceRef`) follow the mapping when it names them; any other namespace (a shared image namespace) is kept.
/// D14: the storage class (`spec.storage` or `spec.pvc`) follows Velero's change-storage-class ConfigMap, as the
/// DataVolume's PVC does through Velero's own action.
public struct DVRestoreItemAction: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-datavolume-action"
    static let typeName = "DVRestoreItemAction"

    let logger: Logger
    let storageClasses: StorageClassMappings

    init(cluster: ClusterCache, logger: Logger) {
        self.logger = logger
        storageClasses = cluster.storageClassMappings
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["DataVolume"])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        var dataVolume = try KubernetesObject(item: item, kind: "DataVolume", actionTypeName: Self.typeName)
        let settings = try RestoreSettings(restore: restore, actionTypeName: Self.typeName)
        let changes = try dataVolume.mapDataVolumeSourceNamespaces(spec: ["spec"], settings.namespaceMapping)
        for change in changes { logger.info("\(dataVolume.reference): \(change) (namespace mapping)") }
        let classChanged = try await storageClasses.rewrite(
            &dataVolume, specs: [["spec"]], veleroNamespace: settings.veleroNamespace, logger: logger)
        guard !changes.isEmpty || classChanged else { return .unchanged }
        return RestoreItemActionOutput(updatedItem: dataVolume.serialized(sizeHint: item.count))
    }
}
