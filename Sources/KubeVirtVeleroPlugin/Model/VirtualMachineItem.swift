import VeleroPluginKit

/// A VirtualMachine whose `spec.template` is an object (D5 in docs/decisions.md: every VM graph and action needs the
/// template, and a VM without one is an error naming it). An action makes one per Execute, from the item it was
/// handed, and the graphs take only this type, so the check is made once, here.
struct VirtualMachineItem: Sendable {
    /// Mutable so the restore action edits the checked VM in place (edits keep `spec.template` an object).
    var object: KubernetesObject

    init(_ object: consuming KubernetesObject) throws(ActionError) {
        guard case .present(.object) = (try? object.json.lookup(["spec", "template"])) ?? .absent else {
            throw ActionError("VirtualMachine \(object.namespacedName) has no spec.template")
        }
        self.object = object
    }
}
