/// Finds the virt-launcher pod of a VMI from one cached LIST per namespace (D7, docs/decisions.md), instead of the
/// reference's LIST per lookup (3N LISTs of all launcher pods for N running VMs).
///
/// A miss re-lists the namespace once (the pod may have been created after the first LIST), and so does a cached
/// match none of whose pods is Running (the list may predate the pod's start, or hold a migration's source pod that
/// has finished since); a further miss for the same VMI name does not list again for the life of the process (one
/// backup or restore).
struct LauncherPodIndex: Sendable {
    private let pods: NamespaceListCache

    init(reader: any ClusterReader) {
        pods = NamespaceListCache { try await reader.list(.pods, namespace: $0, labelSelector: Self.selector) }
    }

    /// The LIST's label selector: virt-launcher pods only, as the reference lists them.
    static let selector = "\(Label.kubevirt)=virt-launcher"

    /// Starts the namespace's launcher-pod LIST now (see `NamespaceListCache.startLoading`).
    func prefetch(namespace: String) {
        pods.startLoading(namespace)
    }

    /// The pod annotated `kubevirt.io/domain: <vmiName>` that runs the VMI now, or `nil`. During a live migration two
    /// pods carry the annotation and both may be Running: then the one on the VMI's node (`vmiNodeName`, asked only
    /// in that case) wins. With no Running pod the first in list order is returned (the reference's choice). LIST
    /// errors are thrown and not cached.
    func launcherPod(
        namespace: String, vmiName: String, vmiNodeName: () async throws -> String? = { nil }
    ) async throws -> JSONValue? {
        let candidates = try await pods.all(
            .annotation(Annotation.domain), equal: vmiName, in: namespace,
            acceptedWhen: { $0.contains(where: Self.isRunning) })
        let running = candidates.filter(Self.isRunning)
        guard running.count > 1 else { return running.first ?? candidates.first }
        let node = try await vmiNodeName()
        return running.first { (try? $0.string(at: ["spec", "nodeName"])) == node } ?? running.first
    }

    private static func isRunning(_ pod: JSONValue) -> Bool {
        (try? pod.string(at: ["status", "phase"])) == "Running"
    }
}
