import VeleroPluginKit

/// Identifiers of the objects a VM or VMI depends on (group and resource as docs/object-graph.md lists them). All use
/// the namespace of the object whose graph is built.
extension ResourceIdentifier {
    static func virtualMachineInstance(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "kubevirt.io", resource: "virtualmachineinstances", namespace: namespace, name: name)
    }

    static func dataVolume(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "cdi.kubevirt.io", resource: "datavolumes", namespace: namespace, name: name)
    }

    static func controllerRevision(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "apps", resource: "controllerrevisions", namespace: namespace, name: name)
    }

    static func configMap(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "", resource: "configmaps", namespace: namespace, name: name)
    }

    static func persistentVolumeClaim(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "", resource: "persistentvolumeclaims", namespace: namespace, name: name)
    }

    static func serviceAccount(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "", resource: "serviceaccounts", namespace: namespace, name: name)
    }

    static func secret(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "", resource: "secrets", namespace: namespace, name: name)
    }

    static func pod(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "", resource: "pods", namespace: namespace, name: name)
    }

    /// D9 (docs/decisions.md): Multus NetworkAttachmentDefinitions in the VM's namespace.
    static func networkAttachmentDefinition(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(
            group: "k8s.cni.cncf.io", resource: "network-attachment-definitions", namespace: namespace, name: name)
    }
}

extension ResourceIdentifier {
    /// A PriorityClass is cluster-scoped: its identifier has no namespace.
    static func priorityClass(_ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "scheduling.k8s.io", resource: "priorityclasses", namespace: "", name: name)
    }

    /// Dynamic Resource Allocation: a claim a VMI consumes, or the template its launcher pod's claim is made from.
    static func resourceClaim(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "resource.k8s.io", resource: "resourceclaims", namespace: namespace, name: name)
    }

    static func resourceClaimTemplate(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: "resource.k8s.io", resource: "resourceclaimtemplates", namespace: namespace, name: name)
    }
}

/// A graph's items in order (no de-duplication; order is significant) and the cluster-read errors met while
/// building it. Every reference caller treats an error as fatal to the item, except the ItemBlockAction (D8), which
/// uses the partial list.
struct GraphResult: Sendable, Equatable {
    var items: [ResourceIdentifier] = []
    var errors: [String] = []

    /// One error keeps its message; several are listed as `[e1, e2]` (the reference's aggregate format).
    var error: String? {
        switch errors.count {
        case 0: nil
        case 1: errors.first
        default: "[" + errors.joined(separator: ", ") + "]"
        }
    }
}

extension KubernetesObject {
    /// D5: the VM template every VM graph and action needs; absent, null or not an object is an error naming the VM.
    func requireVirtualMachineTemplate() throws(ActionError) {
        guard case .present(.object) = (try? json.lookup(["spec", "template"])) ?? .absent else {
            throw ActionError("VirtualMachine \(namespacedName) has no spec.template")
        }
    }
}
