import Synchronization
import VeleroPluginKit

/// What the backup actions read from the Backup: the `velero.kubevirt.io/metadataBackup` label, the resource
/// lists of its spec and its label selectors.
struct BackupSettings: Sendable, Equatable {
    var filter: BackupResourceFilter
    /// Backup label `velero.kubevirt.io/metadataBackup` present (any value).
    var isMetadataBackup: Bool
    /// `spec.labelSelector`, or each of `spec.orLabelSelectors` (Velero collects an item that matches any); empty
    /// when the Backup selects by label not at all.
    var labelSelectors: [JSONValue]

    init(filter: BackupResourceFilter = BackupResourceFilter(), isMetadataBackup: Bool = false, labelSelectors: [JSONValue] = []) {
        self.filter = filter
        self.isMetadataBackup = isMetadataBackup
        self.labelSelectors = labelSelectors
    }

    /// Whether the Backup's label selectors let an object with `labels` in (at collection; filters apart).
    func selects(labels: JSONValue?) -> Bool {
        labelSelectors.isEmpty || labelSelectors.contains { LabelSelectorMatch.matches($0, labels: labels) }
    }

    /// Velero sends the same Backup with every item of a backup, so the settings read from the Backup last seen are
    /// kept with its bytes: an Execute compares bytes instead of parsing the Backup again. Errors are not kept.
    private static let lastRead = Mutex<(bytes: [UInt8], settings: BackupSettings)?>(nil)

    /// The settings of a Backup, from the cache when `bytes` are the Backup last read.
    static func of(backup bytes: [UInt8], actionTypeName: String) throws(ActionError) -> BackupSettings {
        // The comparison runs outside the lock: concurrent Executes only copy the entry (a retain) under it.
        if let last = lastRead.withLock({ $0 }), last.bytes == bytes { return last.settings }
        let settings = try BackupSettings(backup: bytes, actionTypeName: actionTypeName)
        lastRead.withLock { $0 = (bytes, settings) }
        return settings
    }

    /// Reads the `velero.io/v1` Backup sent with the item.
    init(backup bytes: [UInt8], actionTypeName: String) throws(ActionError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw ActionError("\(actionTypeName): backup is not a JSON object: \(error)")
        }
        guard case .object = json else { throw ActionError("\(actionTypeName): backup is not a JSON object") }
        let backup = KubernetesObject(fetched: json, kind: "Backup")
        func list(_ field: String) throws(ActionError) -> [String] {
            guard let elements = try backup.array(["spec", .key(field)]) else { return [] }
            var names: [String] = []
            for index in elements.indices {
                if let name = try backup.string(["spec", .key(field), .index(index)]) { names.append(name) }
            }
            return names
        }
        filter = BackupResourceFilter(
            includedResources: try list("includedResources"),
            excludedResources: try list("excludedResources"),
            includedNamespaceScopedResources: try list("includedNamespaceScopedResources"),
            excludedNamespaceScopedResources: try list("excludedNamespaceScopedResources"))
        isMetadataBackup = try backup.label(Label.metadataBackup) != nil
        let orSelectors = try backup.array(["spec", "orLabelSelectors"]) ?? []
        if !orSelectors.isEmpty {
            labelSelectors = orSelectors
        } else if let selector = try backup.object(["spec", "labelSelector"]) {
            labelSelectors = [.object(selector)]
        } else {
            labelSelectors = []
        }
    }
}
