import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/backup-virtualmachine-action` (as the Go plugin's `VMBackupItemAction`). Refuses backups
/// that would capture a running VM inconsistently or could not restore its disks, adds the VM's object graph, and
/// copies the instancetype/preference revision names into the spec (Velero strips status before restore), and labels
/// the VM with its name so a restore can select it alone (D13).
public struct VMBackupItemAction: BackupItemAction {
    public static let name = "kubevirt-velero-plugin/backup-virtualmachine-action"
    static let typeName = "VMBackupItemAction"

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
        ResourceSelector(includedResources: ["VirtualMachine"])
    }

    public func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        let received = try KubernetesObject(item: item, kind: "VirtualMachine", actionTypeName: Self.typeName)
        let settings = try BackupSettings.of(backup: backup, actionTypeName: Self.typeName)
        let checked = try VirtualMachineItem(received)
        var vm = checked.object

        if let reason = try await unsafeBackupReason(vm, filter: settings.filter) {
            throw ActionError("VM cannot be safely backed up: \(reason)")
        }

        if !settings.isMetadataBackup {
            let templateNames = try dataVolumeTemplateNames(vm)
            let volumes: JSONPath = ["spec", "template", "spec", "volumes"]
            // DataVolumes the VM creates from its own templates are recreated by KubeVirt on restore.
            let skip = { (index: Int) throws(ActionError) -> Bool in
                guard let name = try vm.string(volumes.appending(.index(index), "dataVolume", "name")) else { return false }
                return templateNames.contains(name)
            }
            if let problem = try await restorePossibility.firstUnrestorableVolume(
                of: vm, volumes: volumes, filter: settings.filter, skip: skip)
            {
                throw ActionError(
                    "VM would not be restored correctly: volume \(problem.volumeName): \(problem.kind) "
                        + "\(problem.namespace)/\(problem.name) is \(problem.causeDescription)")
            }
        }

        let result = try await graph.virtualMachine(checked)
        if let error = result.error { throw ActionError(error) }

        let instancetypeChanged = try copyRevisionName(&vm, spec: "instancetype", status: "instancetypeRef")
        let preferenceChanged = try copyRevisionName(&vm, spec: "preference", status: "preferenceRef")
        let backendStorageChanged = try await recordBackendStorage(&vm)
        let labelled = try VMNameLabel.add(to: &vm, logger: logger)
        let poolRecorded = try await recordPoolInBackup(&vm, settings)
        let changed = instancetypeChanged || preferenceChanged || backendStorageChanged || labelled || poolRecorded
        return BackupItemActionOutput(
            updatedItem: changed ? vm.serialized(sizeHint: item.count) : nil, additionalItems: result.items)
    }

    /// canBeSafelyBackedUp, answered as the reason it cannot (nil = safe). Only a Starting/Running VM has
    /// requirements: its VMI (and, when PVCs are snapshotted, its launcher pod whose hooks freeze the guest) must be
    /// in the backup. Checks run in the reference's order; the first failure decides.
    func unsafeBackupReason(_ vm: KubernetesObject, filter: BackupResourceFilter) async throws -> String? {
        let status = try vm.string(["status", "printableStatus"]) ?? ""
        guard status == "Starting" || status == "Running" else { return nil }
        let subject = "VM \(vm.namespacedName) is \(status)"

        guard filter.includes("virtualmachineinstances") else {
            logger.info("Backup of a running VM does not contain VMI.")
            return "\(subject) and virtualmachineinstances are not in the backup (\(filter.description))"
        }
        // A running VM's graph needs its launcher pod: that LIST travels together with the VMI lookup below.
        if (try? vm.json.bool(at: ["status", "created"])) == true {
            cluster.launcherPods.prefetch(namespace: vm.namespace)
        }
        let vmi: KubernetesObject
        do {
            vmi = KubernetesObject(
                fetched: try await cluster.virtualMachineInstance(namespace: vm.namespace, name: vm.name),
                kind: "VirtualMachineInstance")
        } catch {
            throw ActionError(
                "\(error): VMI of running VM \(vm.namespacedName), needed to check \(Label.excludeFromBackup)")
        }
        if try vmi.isExcludedByLabel() {
            logger.info("VM is running but VMI is not included in the backup")
            return "\(subject) and VMI \(vm.namespacedName) is labelled \(Label.excludeFromBackup)=true"
        }
        if !filter.includes("pods") && filter.includes("persistentvolumeclaims") {
            logger.info("Backup of a running VM does not contain Pod but contains PVC")
            return "\(subject) and pods are not in the backup while persistentvolumeclaims are (\(filter.description))"
        }
        return nil
    }

    /// Writes the backend-storage PVC names the graph used into `velero.kubevirt.io/backend-storage-pvcs`, for the
    /// restore (docs/object-graph.md). The names come from the cached LIST the graph made. Returns whether the VM changed.
    private func recordBackendStorage(_ vm: inout KubernetesObject) async throws(ActionError) -> Bool {
        guard let names = try await graph.steps.backendStorageClaimNames(
            of: vm, spec: InstanceTemplate.virtualMachine.spec, vmName: vm.name)
        else { return false }
        let value = names.joined(separator: ",")
        guard try vm.annotation(Annotation.backendStoragePVCs) != value else { return false }
        try vm.setAnnotation(Annotation.backendStoragePVCs, value)
        return true
    }

    /// D12: for a VM of a VirtualMachinePool, whether the pool is in this backup — its resource passes the Backup's
    /// lists, its labels the Backup's selectors, and it is not labelled `velero.io/exclude-from-backup` — recorded as
    /// `velero.kubevirt.io/pool-in-backup: "true"`, so the restore leaves the VM to the pool only when the pool comes
    /// back with it. The pool is read from the cached namespace LIST. Returns whether the VM changed.
    private func recordPoolInBackup(_ vm: inout KubernetesObject, _ settings: BackupSettings) async throws(ActionError) -> Bool {
        guard let pool = PoolMembership.owningPool(of: vm.json) else { return false }
        var reason: String? = nil
        if !settings.filter.includes("virtualmachinepools") {
            reason = "virtualmachinepools are not in the backup (\(settings.filter.description))"
        } else {
            do {
                let object = KubernetesObject(
                    fetched: try await cluster.virtualMachinePools.object(namespace: vm.namespace, name: pool), kind: "VirtualMachinePool")
                if try object.isExcludedByLabel() {
                    reason = "the pool is labelled \(Label.excludeFromBackup)=true"
                } else if !settings.selects(labels: (try? object.json.value(at: ["metadata", "labels"])) ?? nil) {
                    reason = "the backup's label selector does not select the pool"
                }
            } catch is KubernetesNotFoundError {
                reason = "the pool does not exist"
            } catch {
                logger.warning("\(vm.reference): cannot read its VirtualMachinePool \(vm.namespace)/\(pool): \(error); the restore will restore the VM on its own")
                return false
            }
        }
        if let reason {
            logger.info("\(vm.reference) of VirtualMachinePool \(vm.namespace)/\(pool): \(reason); a restore brings the VM back on its own")
            return false
        }
        guard try vm.annotation(Annotation.poolInBackup) != "true" else { return false }
        try vm.setAnnotation(Annotation.poolInBackup, "true")
        return true
    }

    private func dataVolumeTemplateNames(_ vm: KubernetesObject) throws(ActionError) -> Set<String> {
        var names: Set<String> = []
        for index in 0..<(try vm.count(["spec", "dataVolumeTemplates"])) {
            if let name = try vm.string(["spec", "dataVolumeTemplates", .index(index), "metadata", "name"]) {
                names.insert(name)
            }
        }
        return names
    }

    /// `spec.<spec>.revisionName` := `status.<status>.controllerRevisionRef.name` when all three are present, so the
    /// restored VM points at the backed-up ControllerRevision. Returns whether the VM changed.
    private func copyRevisionName(_ vm: inout KubernetesObject, spec: String, status: String) throws(ActionError) -> Bool {
        let reference: JSONPath = ["status", .key(status), "controllerRevisionRef"]
        guard try vm.hasObject(["spec", .key(spec)]), try vm.hasObject(["status", .key(status)]),
            try vm.hasObject(reference)
        else { return false }
        let target: JSONPath = ["spec", .key(spec), "revisionName"]
        let revision = try vm.string(reference.appending("name")) ?? ""
        let current = try? vm.json.lookup(target)
        if revision.isEmpty {
            // An empty name is omitted on output by the reference's typed encoding.
            return vm.remove(target) != nil
        }
        guard current != .present(.string(revision)) else { return false }
        try vm.set(.string(revision), at: target)
        return true
    }
}
