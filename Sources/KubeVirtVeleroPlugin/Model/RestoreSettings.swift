import VeleroPluginKit

/// What a restore action reads from the `velero.io/v1` Restore sent with each item: its option labels and its
/// namespace mapping, and the namespace it lives in, which is Velero's (where the change-storage-class ConfigMap is,
/// D14), and whether it brings VirtualMachinePools back (D12). Parsed once per Execute.
struct RestoreSettings: Sendable, Equatable {
    var labels: RestoreLabels
    var namespaceMapping: NamespaceMapping
    var veleroNamespace: String
    var restoresPools: Bool

    init(
        labels: RestoreLabels = RestoreLabels(), namespaceMapping: NamespaceMapping = NamespaceMapping(),
        veleroNamespace: String = "", restoresPools: Bool = true
    ) {
        self.labels = labels
        self.namespaceMapping = namespaceMapping
        self.veleroNamespace = veleroNamespace
        self.restoresPools = restoresPools
    }

    init(restore bytes: [UInt8], actionTypeName: String) throws(ActionError) {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw ActionError("\(actionTypeName): restore is not a JSON object: \(error)")
        }
        guard case .object = json else { throw ActionError("\(actionTypeName): restore is not a JSON object") }
        let restore = KubernetesObject(fetched: json, kind: "Restore")
        labels = try RestoreLabels(restore: restore)
        namespaceMapping = try NamespaceMapping(restore: restore)
        veleroNamespace = restore.namespace
        restoresPools = try PoolMembership.restoresPools(restore)
    }
}
