import Logging
import VeleroPluginKit

/// Why a volume would not come back on restore (the Go plugin's RestorePossible check, with the detail that D6 in
/// docs/decisions.md requires).
struct UnrestorableVolume: Sendable, Equatable {
    enum Cause: Sendable, Equatable {
        /// Not in the backup because of the Backup's resource lists (their text).
        case filters(String)
        /// Labelled `velero.io/exclude-from-backup=true`.
        case excludeLabel
    }

    var volumeName: String
    /// `DataVolume` or `PersistentVolumeClaim`.
    var kind: String
    var namespace: String
    var name: String
    var cause: Cause

    var causeDescription: String {
        switch cause {
        case .filters(let lists): "excluded by the backup's resource filters (\(lists))"
        case .excludeLabel: "labelled \(Label.excludeFromBackup)=true"
        }
    }
}

/// RestorePossible: whether every DataVolume and PVC a VM or VMI mounts will be in the backup, so a restore can
/// bring the disks back. Only `dataVolume` and `persistentVolumeClaim` volumes are checked (reference behaviour);
/// an API error, including a missing PVC, is thrown rather than reported as "not possible".
struct RestorePossibility: Sendable {
    let cluster: ClusterCache
    let logger: Logger

    /// The first unrestorable volume, or `nil` when restore is possible. `skip` exempts volumes by index (the VM
    /// action exempts DataVolumes created from the VM's own dataVolumeTemplates).
    func firstUnrestorableVolume(
        of object: KubernetesObject, volumes: JSONPath, filter: BackupResourceFilter,
        skip: (Int) throws(ActionError) -> Bool = { _ in false }
    ) async throws -> UnrestorableVolume? {
        let namespace = object.namespace
        for index in 0..<(try object.count(volumes)) {
            let volume = volumes.appending(.index(index))
            let volumeName = try object.string(volume.appending("name")) ?? ""
            let context = "volume \(volumeName) of \(object.reference)"
            if try object.hasObject(volume.appending("dataVolume")), try !skip(index) {
                let name = try object.string(volume.appending("dataVolume", "name")) ?? ""
                let problem: UnrestorableVolume?
                do {
                    problem = try await checkDataVolume(namespace: namespace, name: name, filter: filter)
                } catch is KubernetesNotFoundError {
                    // No DataVolume: the volume may be a plain PVC of the same name (the DV was garbage collected).
                    let pvcProblem: UnrestorableVolume?
                    do {
                        pvcProblem = try await checkClaim(namespace: namespace, name: name, filter: filter, context: context)
                    } catch {
                        logger.info("PVC of DV volume source \(name) not included in backup")
                        throw error
                    }
                    if var pvcProblem {
                        logger.info("PVC of DV volume source \(name) not included in backup")
                        pvcProblem.volumeName = volumeName
                        return pvcProblem
                    }
                    continue
                } catch {
                    logger.info("DataVolume \(name) not included in backup")
                    // The reference wraps a DataVolume GET error other than NotFound this way; D6 adds the
                    // context in parentheses.
                    throw ActionError("failed to get DV \(namespace)/\(name): \(error) (\(context))")
                }
                if var problem {
                    logger.info("DataVolume \(name) not included in backup")
                    problem.volumeName = volumeName
                    return problem
                }
            } else if try object.hasObject(volume.appending("persistentVolumeClaim")) {
                let name = try object.string(volume.appending("persistentVolumeClaim", "claimName")) ?? ""
                let problem: UnrestorableVolume?
                do {
                    problem = try await checkClaim(namespace: namespace, name: name, filter: filter, context: context)
                } catch {
                    logger.info("PVC \(name) not included in backup")
                    throw error
                }
                if var problem {
                    logger.info("PVC \(name) not included in backup")
                    problem.volumeName = volumeName
                    return problem
                }
            }
        }
        return nil
    }

    /// checkDV: GET the DataVolume (errors thrown as they are, so NotFound can be told apart), then its label, then
    /// the filters.
    private func checkDataVolume(
        namespace: String, name: String, filter: BackupResourceFilter
    ) async throws -> UnrestorableVolume? {
        let dataVolume = KubernetesObject(
            fetched: try await cluster.dataVolume(namespace: namespace, name: name), kind: "DataVolume")
        if try dataVolume.isExcludedByLabel() {
            return UnrestorableVolume(
                volumeName: "", kind: "DataVolume", namespace: namespace, name: name, cause: .excludeLabel)
        }
        // The reference asks about the singular `datavolume`; both spellings name the same resource here.
        if !filter.includes("datavolume") {
            return UnrestorableVolume(
                volumeName: "", kind: "DataVolume", namespace: namespace, name: name, cause: .filters(filter.description))
        }
        return nil
    }

    /// checkPVC: the filters first (no GET when PVCs are not in the backup), then GET (any error, NotFound included,
    /// is thrown with context), then the label.
    private func checkClaim(
        namespace: String, name: String, filter: BackupResourceFilter, context: String
    ) async throws -> UnrestorableVolume? {
        if !filter.includes("persistentvolumeclaims") {
            return UnrestorableVolume(
                volumeName: "", kind: "PersistentVolumeClaim", namespace: namespace, name: name,
                cause: .filters(filter.description))
        }
        let json: JSONValue
        do {
            json = try await cluster.persistentVolumeClaim(namespace: namespace, name: name)
        } catch {
            throw ActionError("\(error): PVC \(namespace)/\(name) used by \(context)")
        }
        if try KubernetesObject(fetched: json, kind: "PersistentVolumeClaim").isExcludedByLabel() {
            return UnrestorableVolume(
                volumeName: "", kind: "PersistentVolumeClaim", namespace: namespace, name: name, cause: .excludeLabel)
        }
        return nil
    }
}
