import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/backup-pvc-action` (as the Go plugin's `PVCBackupItemAction`). Labels every backed-up PVC
/// with its own uid (`velero.kubevirt.io/pvc-uid`) so one disk can be restored selectively.
public struct PVCBackupItemAction: BackupItemAction {
    public static let name = "kubevirt-velero-plugin/backup-pvc-action"
    static let typeName = "PVCBackupItemAction"

    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["PersistentVolumeClaim"])
    }

    public func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        var claim = try KubernetesObject(item: item, kind: "PersistentVolumeClaim", actionTypeName: Self.typeName)
        guard let uid = try claim.string(["metadata", "uid"]), !uid.isEmpty else { return .unchanged }
        try PVCUIDLabel.apply(uid: uid, to: &claim, originalAnnotation: Annotation.originalPVCUID)
        return BackupItemActionOutput(updatedItem: claim.serialized(sizeHint: item.count))
    }
}
