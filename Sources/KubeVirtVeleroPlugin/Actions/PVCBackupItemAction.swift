import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/backup-pvc-action` (as the Go plugin's `PVCBackupItemAction`). Labels every backed-up PVC
/// with its own uid (`velero.kubevirt.io/pvc-uid`) so one disk can be restored selectively.
public struct PVCBackupItemAction: BackupItemAction {
    public static let name = "kubevirt-velero-plugin/backup-pvc-action"
    static let typeName = "PVCBackupItemAction"

    let cluster: ClusterCache
    let logger: Logger

    init(cluster: ClusterCache, logger: Logger) {
        self.cluster = cluster
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
        // The VolumeSnapshot action of this backup compares its cached uid with this one (ClusterCache).
        cluster.observedClaimUIDs.record(namespace: claim.namespace, claimName: claim.name, uid: uid)
        try PVCUIDLabel.apply(uid: uid, to: &claim, originalAnnotation: Annotation.originalPVCUID)
        return BackupItemActionOutput(updatedItem: claim.serialized(sizeHint: item.count))
    }
}
