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

    /// Reads the `velero.io/v1` Restore sent with the item.
    init(restore bytes: [UInt8], actionTypeName: String) throws(ActionError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw ActionError("\(actionTypeName): restore is not a JSON object: \(error)")
        }
        guard case .object = json else { throw ActionError("\(actionTypeName): restore is not a JSON object") }
        let restore = KubernetesObject(fetched: json, kind: "Restore")
        runStrategy = try restore.label(Label.restoreRunStrategy)
        clearMACAddresses = try restore.label(Label.clearMACAddress) != nil
        generateNewFirmwareUUID = try restore.label(Label.generateNewFirmwareUUID) != nil
    }
}
