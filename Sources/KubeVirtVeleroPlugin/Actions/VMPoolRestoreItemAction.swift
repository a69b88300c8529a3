import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-virtualmachinepool-action` (the Go plugin has none). A VirtualMachinePool creates
/// its VMs from `spec.virtualMachineTemplate` after the restore (D12: its backed-up VMs are left to it), so the
/// template gets what the VM restore action gives a VM: the namespace mapping of its multus networks and DataVolume
/// template sources (D11) and Velero's change-storage-class ConfigMap on its `dataVolumeTemplates` (D14). The
/// pool's VMs then attach to the networks and create disks on the classes of the restore, also when it scales out.
public struct VMPoolRestoreItemAction: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-virtualmachinepool-action"
    static let typeName = "VMPoolRestoreItemAction"
    static let vmSpec: JSONPath = ["spec", "virtualMachineTemplate", "spec"]

    let logger: Logger
    let storageClasses: StorageClassMappings

    init(cluster: ClusterCache, logger: Logger) {
        self.logger = logger
        storageClasses = cluster.storageClassMappings
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["virtualmachinepools.pool.kubevirt.io"])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        var pool = try KubernetesObject(item: item, kind: "VirtualMachinePool", actionTypeName: Self.typeName)
        let settings = try RestoreSettings(restore: restore, actionTypeName: Self.typeName)
        let mapped = try pool.mapVirtualMachineSpecNamespaces(vmSpec: Self.vmSpec, settings.namespaceMapping)
        for change in mapped { logger.info("\(pool.reference): \(change) (namespace mapping)") }
        let classChanged = try await storageClasses.rewrite(
            &pool, specs: pool.dataVolumeTemplateSpecs(vmSpec: Self.vmSpec), veleroNamespace: settings.veleroNamespace, logger: logger)
        guard !mapped.isEmpty || classChanged else { return .unchanged }
        return RestoreItemActionOutput(updatedItem: pool.serialized(sizeHint: item.count))
    }
}
