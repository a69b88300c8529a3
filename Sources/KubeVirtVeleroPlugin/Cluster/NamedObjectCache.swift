import Synchronization

/// Objects of one resource looked up by name through one cached LIST per namespace (D7 in docs/decisions.md: a backup
/// of N VMs in a namespace costs a LIST per resource instead of N GETs). A name the LIST does not hold is read with a
/// GET: the object may be newer than the LIST, and for an absent one the GET's 404 is the API's own answer, so misses
/// and errors read exactly as they did with a GET per lookup. A namespace whose LIST fails (e.g. RBAC allows `get` but
/// not `list`) falls back to GETs for the rest of the process.
final class NamedObjectCache: Sendable {
    private let lists: NamespaceListCache
    private let get: @Sendable (_ namespace: String, _ name: String) async throws -> JSONValue
    private let unlistable = Mutex<Set<String>>([])

    init(lists: NamespaceListCache, get: @escaping @Sendable (_ namespace: String, _ name: String) async throws -> JSONValue) {
        self.lists = lists
        self.get = get
    }

    func object(namespace: String, name: String) async throws -> JSONValue {
        if !unlistable.withLock({ $0.contains(namespace) }) {
            do {
                if let found = try await lists.items(in: namespace).first(.name, equal: name) { return found }
            } catch {
                _ = unlistable.withLock { $0.insert(namespace) }
            }
        }
        return try await get(namespace, name)
    }
}
