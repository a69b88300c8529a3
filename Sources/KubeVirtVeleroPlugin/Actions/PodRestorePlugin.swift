import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-pod-action` (as the Go plugin's `PodRestorePlugin`). Launcher and hotplug pods are
/// never restored: KubeVirt recreates them for the restored VMs.
public struct PodRestorePlugin: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-pod-action"
    static let typeName = "PodRestorePlugin"
    /// Velero evaluates this label selector itself, so only KubeVirt's pods reach `execute`.
    static let selector = "\(Label.kubevirt) in (virt-launcher, hotplug-disk)"

    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["Pod"], selector: Self.selector)
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        _ = try KubernetesObject.parseItem(item, actionTypeName: Self.typeName)
        return RestoreItemActionOutput(skipRestore: true)
    }
}
