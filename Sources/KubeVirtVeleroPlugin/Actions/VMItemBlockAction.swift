import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/virtualmachine-itemblock-action` (D8 in docs/decisions.md). Puts a VM and its whole backup
/// graph — VMI, launcher pod, disks, secrets, revisions, NADs — into one ItemBlock, so Velero runs the launcher pod's
/// freeze/thaw hooks around all of the VM's snapshots even when the pod is reached only through the VM (label-selected
/// backups). No checks or mutations here; those stay in `VMBackupItemAction`.
public struct VMItemBlockAction: ItemBlockAction {
    public static let name = "kubevirt-velero-plugin/virtualmachine-itemblock-action"
    static let typeName = "VMItemBlockAction"

    let logger: Logger
    let graph: BackupGraph

    init(cluster: ClusterCache, logger: Logger) {
        self.logger = logger
        graph = BackupGraph(cluster: cluster, logger: logger)
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        // Group-qualified: other API groups may define a VirtualMachine kind.
        ResourceSelector(includedResources: ["virtualmachines.kubevirt.io"])
    }

    public func getRelatedItems(item: [UInt8], backup: [UInt8]) async throws -> [ResourceIdentifier] {
        logger.info("Executing \(Self.typeName)")
        let json = try KubernetesObject.parseItem(item, actionTypeName: Self.typeName)
        // The graph needs no backup settings, but a Backup that is not one is refused like every other action does.
        _ = try BackupSettings.of(backup: backup, actionTypeName: Self.typeName)
        guard (try? json.string(at: ["kind"])) == "VirtualMachine" else { return [] }
        let vm = try KubernetesObject(item: json, kind: "VirtualMachine", actionTypeName: Self.typeName)
        let result = try await graph.virtualMachine(VirtualMachineItem(vm))
        if let error = result.error {
            // The VM's BackupItemAction fails the item for this; the block keeps what could be found.
            logger.warning("Related items of \(vm.reference) are incomplete: \(error)")
        }
        return result.items
    }
}
