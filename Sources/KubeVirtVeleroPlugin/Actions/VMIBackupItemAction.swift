import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/backup-virtualmachineinstance-action` (as the Go plugin's `VMIBackupItemAction`). A running
/// VMI needs its launcher pod in the backup (its hooks freeze the guest around snapshots); a standalone VMI needs its
/// disks and is labelled with its name for single-VM restores (D13); an owned VMI is marked so restore skips it
/// (KubeVirt recreates it from the VM).
public struct VMIBackupItemAction: BackupItemAction {
    public static let name = "kubevirt-velero-plugin/backup-virtualmachineinstance-action"
    static let typeName = "VMIBackupItemAction"

    let cluster: ClusterCache
    let logger: Logger
    let graph: BackupGraph
    let restorePossibility: RestorePossibility

    init(cluster: ClusterCache, logger: Logger) {
        self.cluster = cluster
        self.logger = logger
        graph = BackupGraph(cluster: cluster, logger: logger)
        restorePossibility = RestorePossibility(cluster: cluster, logger: logger)
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["VirtualMachineInstance"])
    }

    public func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        var vmi = try KubernetesObject(item: item, kind: "VirtualMachineInstance", actionTypeName: Self.typeName)
        let settings = try BackupSettings.of(backup: backup, actionTypeName: Self.typeName)
        let filter = settings.filter

        // Any owner makes the VMI "owned" (reference); only a VirtualMachine owner is looked up (D4 in
        // docs/decisions.md).
        let isOwned = try vmi.count(["metadata", "ownerReferences"]) > 0
        if try await isExcludedWithItsVM(vmi, filter: filter) {
            // v1 actions cannot drop an item: Velero still writes the VMI, unannotated and without extras (Q6).
            return .unchanged
        }

        if try !isPaused(vmi) {
            let subject = "VMI \(vmi.namespacedName) is not paused"
            if !filter.includes("pods") && filter.includes("persistentvolumeclaims") {
                throw ActionError(
                    "VM is running but launcher pod is not included in the backup: \(subject); pods are not in the "
                        + "backup while persistentvolumeclaims are (\(filter.description))")
            }
            let found: JSONValue?
            do {
                found = try await cluster.launcherPod(namespace: vmi.namespace, vmiName: vmi.name, vmi: vmi.json)
            } catch {
                throw ActionError("failed to get launcher pod from VMI \(vmi.namespacedName): \(error)")
            }
            guard let found else {
                let phase = try vmi.string(["status", "phase"]) ?? ""
                throw ActionError(
                    "pod for running VMI not found: no pod with label \(LauncherPodIndex.selector) and annotation "
                        + "\(Annotation.domain)=\(vmi.name) in namespace \(vmi.namespace) (VMI phase \(phase.isEmpty ? "unknown" : phase))")
            }
            let pod = KubernetesObject(fetched: found, kind: "Pod")
            if try pod.isExcludedByLabel() {
                throw ActionError(
                    "VM is running but launcher pod is not included in the backup: launcher pod "
                        + "\(vmi.namespace)/\(pod.name) is labelled \(Label.excludeFromBackup)=true (\(subject))")
            }
        }

        if isOwned {
            try vmi.setAnnotation(Annotation.isOwned, "true")
        } else if !settings.isMetadataBackup,
            let problem = try await restorePossibility.firstUnrestorableVolume(
                of: vmi, volumes: ["spec", "volumes"], filter: filter)
        {
            throw ActionError(
                "VM has DataVolume or PVC volumes and DataVolumes/PVCs is not included in the backup: VMI "
                    + "\(vmi.namespacedName) volume \(problem.volumeName) uses \(problem.kind) \(problem.name), which is "
                    + problem.causeDescription)
        }

        let result = try await graph.virtualMachineInstance(vmi)
        if let error = result.error { throw ActionError(error) }
        // D13: a standalone VMI is restored alone by its name, as a VM is (an owned one is never restored).
        let labelled = try !isOwned && VMNameLabel.add(to: &vmi, logger: logger)
        return BackupItemActionOutput(
            updatedItem: isOwned || labelled ? vmi.serialized(sizeHint: item.count) : nil, additionalItems: result.items)
    }

    /// shouldExcludeVMI (with D4): a VMI whose owning VirtualMachine is not in the backup, by filter or label, is
    /// left out of the VM's consistency checks.
    private func isExcludedWithItsVM(_ vmi: KubernetesObject, filter: BackupResourceFilter) async throws -> Bool {
        var ownerName: String? = nil
        for index in 0..<(try vmi.count(["metadata", "ownerReferences"])) {
            let reference: JSONPath = ["metadata", "ownerReferences", .index(index)]
            if try vmi.string(reference.appending("kind")) == "VirtualMachine" {
                ownerName = try vmi.string(reference.appending("name")) ?? ""
                break
            }
        }
        guard let ownerName else { return false }
        guard filter.includes("virtualmachines") else {
            logger.info("VMI \(vmi.namespacedName) is owned by VM \(ownerName), which is not in the backup")
            return true
        }
        let vm: KubernetesObject
        do {
            vm = KubernetesObject(
                fetched: try await cluster.virtualMachine(namespace: vmi.namespace, name: ownerName),
                kind: "VirtualMachine")
        } catch {
            throw ActionError(
                "\(error): owner VM of VMI \(vmi.namespacedName), needed to check \(Label.excludeFromBackup)")
        }
        if try vm.isExcludedByLabel() {
            logger.info("VMI \(vmi.namespacedName) is owned by VM \(ownerName), which is labelled \(Label.excludeFromBackup)=true")
            return true
        }
        return false
    }

    /// IsVMIPaused: a `Paused` condition with status `"True"` (virt-freezer cannot freeze a paused guest, so its
    /// launcher pod may be left out).
    private func isPaused(_ vmi: KubernetesObject) throws(ActionError) -> Bool {
        for index in 0..<(try vmi.count(["status", "conditions"])) {
            let condition: JSONPath = ["status", "conditions", .index(index)]
            if try vmi.string(condition.appending("type")) == "Paused",
                try vmi.string(condition.appending("status")) == "True"
            {
                return true
            }
        }
        return false
    }
}
