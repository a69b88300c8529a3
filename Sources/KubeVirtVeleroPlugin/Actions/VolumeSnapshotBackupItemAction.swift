import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/backup-volumesnapshot-action` (as the Go plugin's `VolumeSnapshotBackupItemAction`). Labels
/// a CSI VolumeSnapshot with the uid of its source PVC, matching the PVC's own label, so a selective restore picks
/// both.
public struct VolumeSnapshotBackupItemAction: BackupItemAction {
    public static let name = "kubevirt-velero-plugin/backup-volumesnapshot-action"
    static let typeName = "VolumeSnapshotBackupItemAction"

    let cluster: ClusterCache
    let logger: Logger

    init(cluster: ClusterCache, logger: Logger) {
        self.cluster = cluster
        self.logger = logger
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["VolumeSnapshot"])
    }

    public func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        var snapshot = try KubernetesObject(item: item, kind: "VolumeSnapshot", actionTypeName: Self.typeName)
        guard let claimName = try snapshot.string(["spec", "source", "persistentVolumeClaimName"]) else {
            return .unchanged
        }
        let found: String?
        do {
            found = try await cluster.persistentVolumeClaimUID(namespace: snapshot.namespace, claimName: claimName)
        } catch {
            throw ActionError("\(error) (looking up the source PVC \(claimName) of \(snapshot.reference))")
        }
        guard let uid = found else {
            throw ActionError(
                "PVC \(claimName) not found in namespace \(snapshot.namespace): source PVC of \(snapshot.reference)")
        }
        guard !uid.isEmpty else { return .unchanged }
        try PVCUIDLabel.apply(uid: uid, to: &snapshot, originalAnnotation: Annotation.originalVolumeSnapshotUID)
        return BackupItemActionOutput(updatedItem: snapshot.serialized(sizeHint: item.count))
    }
}
