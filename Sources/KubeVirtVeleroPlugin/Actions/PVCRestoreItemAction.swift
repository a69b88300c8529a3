import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-pvc-action` (as the Go plugin's `PVCRestoreItemAction`). Skips PVCs whose DataVolume
/// had not finished at backup (CDI repopulates them) and undoes the backup's `pvc-uid` label.
public struct PVCRestoreItemAction: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-pvc-action"
    static let typeName = "PVCRestoreItemAction"

    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["PersistentVolumeClaim"])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        var claim = try KubernetesObject(item: item, kind: "PersistentVolumeClaim", actionTypeName: Self.typeName)
        logger.info("handling PVC \(claim.namespacedName)")
        if try claim.annotation(Annotation.inProgress) != nil {
            return RestoreItemActionOutput(skipRestore: true)
        }
        // CDI annotations such as storage.populatedFor stay: they make CDI adopt the restored PVC.
        guard try PVCUIDLabel.restore(&claim, originalAnnotation: Annotation.originalPVCUID) else { return .unchanged }
        return RestoreItemActionOutput(updatedItem: claim.serialized(sizeHint: item.count))
    }
}
