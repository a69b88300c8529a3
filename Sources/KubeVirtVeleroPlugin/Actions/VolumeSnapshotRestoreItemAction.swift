import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-volumesnapshot-action` (as the Go plugin's `VolumeSnapshotRestoreItemAction`).
/// Undoes the backup's `pvc-uid` label on VolumeSnapshots.
public struct VolumeSnapshotRestoreItemAction: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-volumesnapshot-action"
    static let typeName = "VolumeSnapshotRestoreItemAction"

    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["VolumeSnapshot"])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        var snapshot = try KubernetesObject(item: item, kind: "VolumeSnapshot", actionTypeName: Self.typeName)
        guard try PVCUIDLabel.restore(&snapshot, originalAnnotation: Annotation.originalVolumeSnapshotUID) else {
            return .unchanged
        }
        return RestoreItemActionOutput(updatedItem: snapshot.serialized(sizeHint: item.count))
    }
}
