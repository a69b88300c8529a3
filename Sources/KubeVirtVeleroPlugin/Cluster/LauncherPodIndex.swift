/// Finds the virt-launcher pod of a VMI from one cached LIST per namespace (D7), instead of the reference's LIST
/// per lookup (3N LISTs of all launcher pods for N running VMs).
///
/// A miss re-lists the namespace once (the pod may have been created after the first LIST); a further miss for the
/// same VMI name does not list again for the life of the process (one backup or restore).
actor LauncherPodIndex {
    private let pods: NamespaceListCache
    /// VMI names per namespace that have already caused a re-list.
    private var relisted: [String: Set<String>] = [:]

    init(reader: any ClusterReader) {
        pods = NamespaceListCache { namespace in try await reader.launcherPods(namespace: namespace) }
    }

    /// Starts the namespace's launcher-pod LIST now (see `NamespaceListCache.startLoading`).
    func prefetch(namespace: String) async {
        await pods.startLoading(namespace)
    }

    /// The first pod in list order annotated `kubevirt.io/domain: <vmiName>` (during a migration there may be two;
    /// the first wins, as in the reference), or `nil`. LIST errors are thrown and not cached.
    func launcherPod(namespace: String, vmiName: String) async throws -> JSONValue? {
        if let pod = try await pods.items(in: namespace).first(Self.domain, equal: vmiName) { return pod }
        guard relisted[namespace, default: []].insert(vmiName).inserted else { return nil }
        do {
            return try await pods.refresh(namespace).first(Self.domain, equal: vmiName)
        } catch {
            relisted[namespace]?.remove(vmiName)
            throw error
        }
    }

    private static let domain = ListedObjects.Key.annotation(Annotation.domain)
}
