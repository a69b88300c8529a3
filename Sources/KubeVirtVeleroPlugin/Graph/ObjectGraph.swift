import VeleroPluginKit

/// A graph that answers per kind: the backup and the restore graph. `object(_:)` is the Go plugin's
/// ObjectBackupGraph / ObjectRestoreGraph, one dispatch on the item's `kind` for both; kinds a graph does not know
/// have no related items.
protocol ObjectGraph: Sendable {
    func virtualMachine(_ item: VirtualMachineItem) async throws(ActionError) -> GraphResult
    func virtualMachineInstance(_ vmi: KubernetesObject) async throws(ActionError) -> GraphResult
    /// A DataVolume item's graph; a graph without one (restore) answers empty without reading the item.
    func dataVolumeItem(_ item: JSONValue) throws(ActionError) -> GraphResult
}

extension ObjectGraph {
    func dataVolumeItem(_ item: JSONValue) throws(ActionError) -> GraphResult { GraphResult() }

    func object(_ item: JSONValue) async throws(ActionError) -> GraphResult {
        switch (try? item.string(at: ["kind"])) ?? nil {
        case "VirtualMachine":
            try await virtualMachine(VirtualMachineItem(KubernetesObject(fetched: item, kind: "VirtualMachine")))
        case "VirtualMachineInstance":
            try await virtualMachineInstance(KubernetesObject(fetched: item, kind: "VirtualMachineInstance"))
        case "DataVolume": try dataVolumeItem(item)
        default: GraphResult()
        }
    }
}
