import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-vmi-action` (as the Go plugin's `VMIRestorePlugin`, with D2 of docs/decisions.md).
/// Skips VMIs owned by a VM (KubeVirt recreates them); a standalone VMI loses the labels KubeVirt's webhook rejects
/// and gets the Restore's MAC and firmware-UUID options and its namespace mapping (D11: multus networks).
public struct VMIRestorePlugin: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-vmi-action"
    static let typeName = "VMIRestorePlugin"

    let logger: Logger
    let graph: RestoreGraph

    init(cluster: ClusterCache, logger: Logger) {
        self.logger = logger
        graph = RestoreGraph(cluster: cluster, logger: logger)
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["VirtualMachineInstance"])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        logger.info("Running \(Self.typeName)")
        var vmi = try KubernetesObject(item: item, kind: "VirtualMachineInstance", actionTypeName: Self.typeName)
        if try vmi.annotation(Annotation.isOwned) == "true" {
            logger.info("VMI is owned by a VM, it doesn't need to be restored")
            return RestoreItemActionOutput(skipRestore: true)
        }
        let settings = try RestoreSettings(restore: restore, actionTypeName: Self.typeName)
        let labels = settings.labels
        var changed = false

        // D2: the reference applied these to a discarded copy; here they reach the restored VMI.
        if labels.clearMACAddresses {
            logger.info("Clear virtual machine MAC addresses")
            if try vmi.removeMACAddresses(interfaces: ["spec", "domain", "devices", "interfaces"]) { changed = true }
        }
        if labels.generateNewFirmwareUUID {
            logger.info("Generate new firmware UUID")
            try vmi.setNewFirmwareUUID(firmware: ["spec", "domain", "firmware"])
            changed = true
        }
        for label in Label.restrictedVMILabels where try vmi.label(label) != nil {
            vmi.removeLabel(label)
            changed = true
        }
        if try VMNameLabel.remove(from: &vmi) { changed = true }

        let result = try await graph.virtualMachineInstance(vmi)
        if let error = result.error { throw ActionError(error) }
        // After the graph, which names what to restore by the backed-up namespaces (where the backup has them).
        let mapped = try vmi.mapMultusNetworkNames(networks: ["spec", "networks"], settings.namespaceMapping)
        for change in mapped { logger.info("\(vmi.reference): \(change) (namespace mapping)") }
        if !mapped.isEmpty { changed = true }
        return RestoreItemActionOutput(
            updatedItem: changed ? vmi.serialized(sizeHint: item.count) : nil, additionalItems: result.items)
    }
}
