import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-vm-action` (as the Go plugin's `VMRestorePlugin`). Applies the Restore's
/// run-strategy, MAC and firmware-UUID labels and its namespace mapping (D11: multus networks, dataVolumeTemplate
/// sources), Velero's change-storage-class ConfigMap to its dataVolumeTemplates (D14), and restores the VM's
/// dependencies first. A VM of a VirtualMachinePool is left to its pool when the restore brings the pool (D12).
public struct VMRestorePlugin: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-vm-action"
    static let typeName = "VMRestorePlugin"

    let logger: Logger
    let graph: RestoreGraph
    let storageClasses: StorageClassMappings

    init(cluster: ClusterCache, logger: Logger) {
        self.logger = logger
        storageClasses = cluster.storageClassMappings
        graph = RestoreGraph(cluster: cluster, logger: logger)
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["VirtualMachine"])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        logger.info("Running \(Self.typeName)")
        let received = try KubernetesObject(item: item, kind: "VirtualMachine", actionTypeName: Self.typeName)
        let settings = try RestoreSettings(restore: restore, actionTypeName: Self.typeName)
        var restoredWithoutPool = false
        if let pool = PoolMembership.owningPool(ofBackedUp: itemFromBackup) {
            let poolInBackup = try received.annotation(Annotation.poolInBackup) == "true"
            if poolInBackup && settings.restoresPools {
                logger.info(
                    "\(received.reference) not restored: owned by VirtualMachinePool \(received.namespace)/\(pool), which the restore brings back and which creates it again from its template, over its restored DataVolumes")
                return RestoreItemActionOutput(skipRestore: true)
            }
            let why = poolInBackup ? "this restore does not bring back the pool" : "the backup does not hold the pool"
            logger.info("\(received.reference) of VirtualMachinePool \(received.namespace)/\(pool) is restored on its own: \(why)")
            restoredWithoutPool = true
        }
        var checked = try VirtualMachineItem(consume received)
        // The graph reads the VM as received: it names what to restore by the backed-up namespaces and names, which
        // is where Velero finds them in the backup. The edits below then change the one copy in place.
        let result = try await graph.virtualMachine(checked)
        if let error = result.error { throw ActionError(error) }
        var changed = try edit(&checked.object, settings: settings)
        // Only the pool controller removes its finalizer: without the pool the VM could never be deleted.
        if restoredWithoutPool, try checked.object.removeFinalizer(PoolMembership.finalizer) {
            logger.info("\(checked.object.reference): finalizer \(PoolMembership.finalizer) removed (restored without its pool)")
            changed = true
        }
        if try await storageClasses.rewrite(
            &checked.object, specs: checked.object.dataVolumeTemplateSpecs(), veleroNamespace: settings.veleroNamespace,
            logger: logger)
        {
            changed = true
        }
        return RestoreItemActionOutput(
            updatedItem: changed ? checked.object.serialized(sizeHint: item.count) : nil, additionalItems: result.items)
    }

    /// The Restore's labels and namespace mapping applied to the VM; whether anything changed.
    private func edit(_ vm: inout KubernetesObject, settings: RestoreSettings) throws(ActionError) -> Bool {
        let labels = settings.labels
        var changed = false

        if let runStrategy = labels.runStrategy, try vm.annotation(Annotation.dataMoverOriginalRunStrategy) != nil {
            // OADP's kubevirt-datamover holds the VM at Halted until its DataDownloads have filled the disks, then
            // sets the run strategy it stashed: the Restore's strategy goes there, so the hold stays (D12).
            logger.info("Virtual machine held at Halted by kubevirt-datamover until its disks are restored; run strategy \(runStrategy) applies then")
            let stashed = try vm.annotation(Annotation.dataMoverOriginalRunStrategy)
            let source = try vm.annotation(Annotation.dataMoverOriginalRunStrategySource)
            if stashed != runStrategy || source != "runStrategy" {
                try vm.setAnnotation(Annotation.dataMoverOriginalRunStrategy, runStrategy)
                try vm.setAnnotation(Annotation.dataMoverOriginalRunStrategySource, "runStrategy")
                changed = true
            }
        } else if let runStrategy = labels.runStrategy {
            // Verbatim and unvalidated, like the reference; KubeVirt's webhook rejects unknown strategies.
            logger.info("Setting virtual machine run strategy to \(runStrategy)")
            if (try? vm.json.lookup(["spec", "runStrategy"])) != .present(.string(runStrategy)) {
                try vm.set(.string(runStrategy), at: ["spec", "runStrategy"])
                changed = true
            }
            // `running` and `runStrategy` are mutually exclusive.
            if vm.remove(["spec", "running"]) != nil { changed = true }
        }
        if labels.clearMACAddresses {
            logger.info("Clear virtual machine MAC addresses")
            if try vm.removeMACAddresses(interfaces: ["spec", "template", "spec", "domain", "devices", "interfaces"]) {
                changed = true
            }
        }
        if labels.generateNewFirmwareUUID {
            logger.info("Generate new firmware UUID")
            try vm.setNewFirmwareUUID(firmware: ["spec", "template", "spec", "domain", "firmware"])
            changed = true
        }

        let mapped = try vm.mapVirtualMachineSpecNamespaces(vmSpec: ["spec"], settings.namespaceMapping)
        for change in mapped { logger.info("\(vm.reference): \(change) (namespace mapping)") }
        if !mapped.isEmpty { changed = true }

        // The backup's bookkeeping, read by the graph; the restored VM carries its live labels and annotations only.
        if vm.removeAnnotation(Annotation.backendStoragePVCs) != nil { changed = true }
        if try VMNameLabel.remove(from: &vm) { changed = true }
        if vm.removeAnnotation(Annotation.poolInBackup) != nil {
            vm.dropEmptyMetadataMap("annotations")
            changed = true
        }
        return changed
    }
}
