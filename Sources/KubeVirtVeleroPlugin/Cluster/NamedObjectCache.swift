import Synchronization

/// Objects of one resource looked up by name through one cached LIST per namespace (D7 in docs/decisions.md: a backup
/// of N VMs in a namespace costs a LIST per resource instead of N GETs). A name the LIST does not hold is read with a
/// GET: the object may be newer than the LIST, and for an absent one the GET's 404 is the API's own answer, so misses
/// and errors read exactly as they did with a GET per lookup. A namespace whose LIST fails (e.g. RBAC allows `get` but
/// not `list`) falls back to GETs for the rest of the process.
final class NamedObjectCache: Sendable {
    private let lists: NamespaceListCache
    private let resource: ClusterResource
    private let reader: any ClusterReader
    private let unlistable = Mutex<Set<String>>([])

    /// `lists` is given when another cache shares the namespace LISTs of `resource`; by default they are this
    /// cache's own.
    init(_ resource: ClusterResource, reader: any ClusterReader, lists: NamespaceListCache? = nil) {
        self.resource = resource
        self.reader = reader
        self.lists = lists ?? NamespaceListCache { try await reader.list(resource, namespace: $0, labelSelector: nil) }
    }

    func object(namespace: String, name: String) async throws -> JSONValue {
        if !unlistable.withLock({ $0.contains(namespace) }) {
            do {
                if let found = try await lists.items(in: namespace).first(.name, equal: name) { return found }
            } catch {
                _ = unlistable.withLock { $0.insert(namespace) }
            }
        }
        return try await reader.get(resource, namespace: namespace, name: name)
    }
}
