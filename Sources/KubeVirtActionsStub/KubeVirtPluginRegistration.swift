import VeleroPluginKit

// Temporary: real names and selectors, actions not implemented yet (replaced by the action library).
public enum KubeVirtPlugin {
    struct Pending: BackupItemAction, RestoreItemAction, ItemBlockAction {
        let selector: ResourceSelector
        func appliesTo() throws -> ResourceSelector { selector }
        func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
            if item == Array(#"{"kind":"Echo"}"#.utf8) { return .unchanged }
            throw ActionError("not implemented yet")
        }
        func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
            throw ActionError("not implemented yet")
        }
        func getRelatedItems(item: [UInt8], backup: [UInt8]) async throws -> [ResourceIdentifier] {
            throw ActionError("not implemented yet")
        }
    }

    public static func register(in registry: PluginRegistry) {
        let prefix = "kubevirt-velero-plugin/"
        let bia: [(String, [String])] = [
            ("backup-datavolume-action", ["PersistentVolumeClaim", "DataVolume"]),
            ("backup-pvc-action", ["PersistentVolumeClaim"]),
            ("backup-virtualmachine-action", ["VirtualMachine"]),
            ("backup-virtualmachineinstance-action", ["VirtualMachineInstance"]),
            ("backup-volumesnapshot-action", ["VolumeSnapshot"]),
        ]
        for (name, resources) in bia {
            registry.register(backupItemAction: prefix + name) { Pending(selector: ResourceSelector(includedResources: resources)) }
        }
        let ria: [(String, ResourceSelector)] = [
            ("restore-pod-action", ResourceSelector(includedResources: ["Pod"], selector: "kubevirt.io in (virt-launcher, hotplug-disk)")),
            ("restore-pvc-action", ResourceSelector(includedResources: ["PersistentVolumeClaim"])),
            ("restore-vm-action", ResourceSelector(includedResources: ["VirtualMachine"])),
            ("restore-vmi-action", ResourceSelector(includedResources: ["VirtualMachineInstance"])),
            ("restore-volumesnapshot-action", ResourceSelector(includedResources: ["VolumeSnapshot"])),
        ]
        for (name, selector) in ria {
            registry.register(restoreItemAction: prefix + name) { Pending(selector: selector) }
        }
        registry.register(itemBlockAction: prefix + "virtualmachine-itemblock-action") {
            Pending(selector: ResourceSelector(includedResources: ["virtualmachines.kubevirt.io"]))
        }
    }
}
