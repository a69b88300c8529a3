import VeleroPluginKit

/// The Restore's `spec.namespaceMapping` (old → new). Velero moves each item into its new namespace itself, after the
/// restore item actions ran (they see the backed-up namespace); references that spell a namespace inside an object
/// are this plugin's to follow (D11 in docs/decisions.md). A namespace the mapping does not name stays as it is.
struct NamespaceMapping: Sendable, Equatable {
    private(set) var targets: [String: String]

    init(_ targets: [String: String] = [:]) { self.targets = targets }

    /// Reads `spec.namespaceMapping` of a Restore; a value that is not a map of strings is an error naming the path.
    init(restore: KubernetesObject) throws(ActionError) {
        targets = [:]
        guard let mapping = try restore.object(["spec", "namespaceMapping"]) else { return }
        for member in mapping.members {
            guard case .string(let target) = member.value else {
                let problem = JSONPathError(
                    path: ["spec", "namespaceMapping", .key(member.key)], problem: .typeMismatch(expected: .string, found: member.value.kind))
                throw ActionError("\(restore.reference) has an unexpected value: \(problem)")
            }
            targets[member.key] = target
        }
    }

    var isEmpty: Bool { targets.isEmpty }

    /// Where `namespace` is restored to, or nil when the mapping does not name it.
    func target(of namespace: String) -> String? {
        guard let target = targets[namespace], target != namespace else { return nil }
        return target
    }

    /// A `<namespace>/<name>` reference (multus `networkName`, OVN-Kubernetes `netAttachDefName`) with a mapped
    /// namespace rewritten; nil when it names no namespace or one the mapping leaves alone.
    func mappedQualifiedName(_ reference: String) -> String? {
        guard let slash = reference.firstIndex(of: "/") else { return nil }
        guard let target = target(of: String(reference[..<slash])) else { return nil }
        return target + reference[slash...]
    }
}
