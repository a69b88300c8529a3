import VeleroPluginKit

/// Where an object keeps the instance it describes: a VM its `spec.template` (metadata and spec), a VMI itself.
/// The graph steps read both halves (the spec's volumes and networks, the metadata's hook-sidecar annotation).
struct InstanceTemplate: Sendable {
    /// The VMI spec: `spec.template.spec` of a VM, `spec` of a VMI.
    let spec: JSONPath
    /// The VMI metadata: `spec.template.metadata` of a VM, `metadata` of a VMI.
    let metadata: JSONPath

    static let virtualMachine = InstanceTemplate(
        spec: ["spec", "template", "spec"], metadata: ["spec", "template", "metadata"])
    static let virtualMachineInstance = InstanceTemplate(spec: ["spec"], metadata: ["metadata"])
}
