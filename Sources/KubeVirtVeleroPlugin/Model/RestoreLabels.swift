import VeleroPluginKit

/// The options a Restore carries as labels (docs/labels-and-annotations.md): all by presence, except the run strategy,
/// whose value is used.
struct RestoreLabels: Sendable, Equatable {
    var runStrategy: String? = nil
    var clearMACAddresses = false
    var generateNewFirmwareUUID = false

    init(runStrategy: String? = nil, clearMACAddresses: Bool = false, generateNewFirmwareUUID: Bool = false) {
        self.runStrategy = runStrategy
        self.clearMACAddresses = clearMACAddresses
        self.generateNewFirmwareUUID = generateNewFirmwareUUID
    }

    /// Reads the labels of the `velero.io/v1` Restore sent with the item.
    init(restore: KubernetesObject) throws(ActionError) {
        runStrategy = try restore.label(Label.restoreRunStrategy)
        clearMACAddresses = try restore.label(Label.clearMACAddress) != nil
        generateNewFirmwareUUID = try restore.label(Label.generateNewFirmwareUUID) != nil
    }
}
