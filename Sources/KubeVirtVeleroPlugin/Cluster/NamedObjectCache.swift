/// Objects of one resource looked up by name through one cached LIST per namespace (D7: a backup of N VMs in a
/// namespace costs a LIST per resource instead of N GETs). A name the LIST does not hold is read with a GET: the
/// object may be newer than the LIST, and for an absent one the GET's 404 is the API's own answer, so misses and
/// errors read exactly as they did with a GET per lookup. A namespace whose LIST fails (e.g. RBAC allows `get` but
/// not `list`) falls back to GETs for the rest of the process.
actor NamedObjectCache {
    private let lists: NamespaceListCache
    private let get: @Sendable (_ namespace: String, _ name: String) async throws -> JSONValue
    private var indexes: [String: [String: JSONValue]] = [:]
    private var unlistable: Set<String> = []

    init(lists: NamespaceListCache, get: @escaping @Sendable (_ namespace: String, _ name: String) async throws -> JSONValue) {
        self.lists = lists
        self.get = get
    }

    func object(namespace: String, name: String) async throws -> JSONValue {
        if indexes[namespace] == nil, !unlistable.contains(namespace) {
            do {
                let items = try await lists.items(in: namespace)
                if indexes[namespace] == nil { indexes[namespace] = Self.index(items) }
            } catch {
                unlistable.insert(namespace)
            }
        }
        if let found = indexes[namespace]?[name] { return found }
        return try await get(namespace, name)
    }

    private static func index(_ items: [JSONValue]) -> [String: JSONValue] {
        var index: [String: JSONValue] = [:]
        for item in items {
            if let name = try? item.string(at: ["metadata", "name"]), index[name] == nil { index[name] = item }
        }
        return index
    }
}
