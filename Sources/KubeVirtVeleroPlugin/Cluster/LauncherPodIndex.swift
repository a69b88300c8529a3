/// Finds the virt-launcher pod of a VMI from one cached LIST per namespace (D7), instead of the reference's LIST
/// per lookup (3N LISTs of all launcher pods for N running VMs).
///
/// A miss re-lists the namespace once (the pod may have been created after the first LIST); a further miss for the
/// same VMI name does not list again for the life of the process (one backup or restore).
struct LauncherPodIndex: Sendable {
    private let pods: NamespaceListCache

    init(reader: any ClusterReader) {
        pods = NamespaceListCache { namespace in try await reader.launcherPods(namespace: namespace) }
    }

    /// Starts the namespace's launcher-pod LIST now (see `NamespaceListCache.startLoading`).
    func prefetch(namespace: String) {
        pods.startLoading(namespace)
    }

    /// The first pod in list order annotated `kubevirt.io/domain: <vmiName>` (during a migration there may be two;
    /// the first wins, as in the reference), or `nil`. LIST errors are thrown and not cached.
    func launcherPod(namespace: String, vmiName: String) async throws -> JSONValue? {
        try await pods.first(.annotation(Annotation.domain), equal: vmiName, in: namespace)
    }
}
