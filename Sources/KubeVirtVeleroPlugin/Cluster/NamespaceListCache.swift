import LosslessJSON

/// One cached LIST result per namespace, filled on first use. Concurrent callers for a namespace share a single
/// in-flight request; a failed request is reported to every caller waiting on it and is not cached.
/// `refresh` replaces the cached list (joining a request that is already in flight, which is at least as new).
/// Lists are held as `ListedObjects`, whose lookup tables live as long as the list they index.
actor NamespaceListCache {
    private let list: @Sendable (String) async throws -> [JSONValue]
    private var lists: [String: ListedObjects] = [:]
    private var inFlight: [String: Task<ListedObjects, any Error>] = [:]
    /// Per namespace, the looked-up values that have already caused a re-list (`first(_:equal:in:)`).
    private var relisted: [String: Set<ListedValue>] = [:]

    private struct ListedValue: Hashable {
        let key: ListedObjects.Key
        let value: String
    }

    init(list: @escaping @Sendable (String) async throws -> [JSONValue]) {
        self.list = list
    }

    /// The cached list of `namespace`, listing it if there is none yet.
    func items(in namespace: String) async throws -> ListedObjects {
        if let cached = lists[namespace] { return cached }
        return try await refresh(namespace)
    }

    /// Starts listing `namespace` unless it is cached or already being listed, without waiting for the answer: a
    /// caller that knows it will need several lists can have them travel together. Later lookups join the request;
    /// its result is cached as any other (an error is not).
    func startLoading(_ namespace: String) {
        guard lists[namespace] == nil, inFlight[namespace] == nil else { return }
        let list = self.list
        let task = Task { ListedObjects(try await list(namespace)) }
        inFlight[namespace] = task
        Task { await self.complete(namespace, task) }
    }

    private func complete(_ namespace: String, _ task: Task<ListedObjects, any Error>) async {
        let result = await task.result
        guard inFlight[namespace] == task else { return }
        inFlight[namespace] = nil
        if case .success(let items) = result { lists[namespace] = items }
    }

    /// The first listed object whose `key` equals `value`. A miss re-lists the namespace once (the object may be newer
    /// than the list); a further miss for the same value does not list again for the life of the process. LIST errors
    /// are thrown, and a failed re-list may be tried again.
    func first(_ key: ListedObjects.Key, equal value: String, in namespace: String) async throws -> JSONValue? {
        if let found = try await items(in: namespace).first(key, equal: value) { return found }
        let lookup = ListedValue(key: key, value: value)
        guard relisted[namespace, default: []].insert(lookup).inserted else { return nil }
        do {
            return try await refresh(namespace).first(key, equal: value)
        } catch {
            relisted[namespace]?.remove(lookup)
            throw error
        }
    }

    /// Lists `namespace` again (or joins the request in flight) and caches the result.
    func refresh(_ namespace: String) async throws -> ListedObjects {
        if let running = inFlight[namespace] { return try await running.value }
        let list = self.list
        let task = Task { ListedObjects(try await list(namespace)) }
        inFlight[namespace] = task
        do {
            let items = try await task.value
            if inFlight[namespace] == task { inFlight[namespace] = nil }
            lists[namespace] = items
            return items
        } catch {
            if inFlight[namespace] == task { inFlight[namespace] = nil }
            throw error
        }
    }
}
