import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/backup-datavolume-action` (as the Go plugin's `DVBackupItemAction`). Marks DataVolumes and
/// the PVCs they own so that CDI, on restore, adopts the restored PVC instead of importing or cloning the disk again.
public struct DVBackupItemAction: BackupItemAction {
    public static let name = "kubevirt-velero-plugin/backup-datavolume-action"
    static let typeName = "DVBackupItemAction"

    let cluster: ClusterCache
    let logger: Logger

    init(cluster: ClusterCache, logger: Logger) {
        self.cluster = cluster
        self.logger = logger
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["PersistentVolumeClaim", "DataVolume"])
    }

    public func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        let json = try KubernetesObject.parseItem(item, actionTypeName: Self.typeName)
        switch try? json.string(at: ["kind"]) {
        case "PersistentVolumeClaim":
            var claim = try KubernetesObject(item: json, kind: "PersistentVolumeClaim", actionTypeName: Self.typeName)
            guard try await annotateClaim(&claim) else { return .unchanged }
            return BackupItemActionOutput(updatedItem: claim.serialized(sizeHint: item.count))
        case "DataVolume":
            var dataVolume = try KubernetesObject(item: json, kind: "DataVolume", actionTypeName: Self.typeName)
            logger.info("handling DataVolume \(dataVolume.namespacedName)")
            // The Secrets and ConfigMaps of the source: CDI needs them again if it populates the disk after restore.
            let sourceReferences = try DataVolumeSourceReferences.of(dataVolume, spec: ["spec"])
            guard try dataVolume.string(["status", "phase"]) == "Succeeded" else {
                return sourceReferences.isEmpty ? .unchanged : BackupItemActionOutput(additionalItems: sourceReferences)
            }
            // CDI marks a prePopulated DataVolume Succeeded without importing: the PVC comes from the backup.
            try dataVolume.setAnnotation(Annotation.prePopulated, dataVolume.name)
            return BackupItemActionOutput(
                updatedItem: dataVolume.serialized(sizeHint: item.count),
                additionalItems: [.persistentVolumeClaim(dataVolume.namespace, dataVolume.name)] + sourceReferences)
        default:
            try KubernetesObject.requireDecodableByVelero(json, actionTypeName: Self.typeName)
            return .unchanged
        }
    }

    /// Annotates a PVC owned by a DataVolume with the state of that DataVolume; `false` when it has no DV owner.
    private func annotateClaim(_ claim: inout KubernetesObject) async throws -> Bool {
        logger.info("handling PVC \(claim.namespacedName)")
        var ownerName: String? = nil
        for index in 0..<(try claim.count(["metadata", "ownerReferences"])) {
            let reference: JSONPath = ["metadata", "ownerReferences", .index(index)]
            logger.info("or \((try? claim.json.value(at: reference))?.description ?? "null")")
            // Kind only; apiVersion is not checked (reference behaviour).
            if try claim.string(reference.appending("kind")) == "DataVolume" {
                ownerName = try claim.string(reference.appending("name")) ?? ""
                break
            }
        }
        guard let ownerName else { return false }

        let owner: KubernetesObject
        do {
            owner = KubernetesObject(
                fetched: try await cluster.dataVolume(namespace: claim.namespace, name: ownerName), kind: "DataVolume")
        } catch let notFound as KubernetesNotFoundError {
            throw ActionError("\(notFound.message): owner of PVC \(claim.namespacedName)")
        } catch {
            throw ActionError(
                "failed to get DV \(claim.namespace)/\(ownerName): \(error) (owner of PVC \(claim.namespacedName))")
        }
        if try owner.string(["status", "phase"]) == "Succeeded" {
            try claim.setAnnotation(Annotation.populatedFor, owner.name)
        } else {
            // The restored DataVolume will repopulate this PVC; restoring the half-written PVC would block it.
            try claim.setAnnotation(Annotation.inProgress, owner.name)
        }
        return true
    }
}
