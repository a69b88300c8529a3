import VeleroPluginKit

/// Identifiers of the objects a VM or VMI depends on (docs/object-graph.md), from the `ClusterResource` table. All
/// namespaced ones use the namespace of the object whose graph is built.
extension ResourceIdentifier {
    init(_ resource: ClusterResource, namespace: String, name: String) {
        self.init(group: resource.group, resource: resource.plural, namespace: resource.isNamespaced ? namespace : "", name: name)
    }

    static func virtualMachineInstance(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.virtualMachineInstances, namespace: namespace, name: name)
    }

    static func dataVolume(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.dataVolumes, namespace: namespace, name: name)
    }

    static func controllerRevision(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.controllerRevisions, namespace: namespace, name: name)
    }

    static func configMap(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.configMaps, namespace: namespace, name: name)
    }

    static func persistentVolumeClaim(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.persistentVolumeClaims, namespace: namespace, name: name)
    }

    static func serviceAccount(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.serviceAccounts, namespace: namespace, name: name)
    }

    static func secret(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.secrets, namespace: namespace, name: name)
    }

    static func pod(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.pods, namespace: namespace, name: name)
    }

    static func networkAttachmentDefinition(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.networkAttachmentDefinitions, namespace: namespace, name: name)
    }

    /// A PriorityClass is cluster-scoped: its identifier has no namespace.
    static func priorityClass(_ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.priorityClasses, namespace: "", name: name)
    }

    static func resourceClaim(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.resourceClaims, namespace: namespace, name: name)
    }

    static func resourceClaimTemplate(_ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(.resourceClaimTemplates, namespace: namespace, name: name)
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
