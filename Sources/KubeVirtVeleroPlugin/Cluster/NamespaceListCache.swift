import LosslessJSON
import Synchronization

/// One cached LIST result per namespace, filled on first use. Concurrent callers for a namespace share a single
/// in-flight request; a failed request is reported to every caller waiting on it and is not cached.
/// `refresh` replaces the cached list (joining a request that is already in flight, which is at least as new).
/// Lists are held as `ListedObjects`, whose lookup tables live as long as the list they index.
///
/// A lock rather than an actor: a lookup in a cached list returns without suspending, so a warm call runs to its end
/// on the thread that received it (an actor hop would hand every call to another thread).
final class NamespaceListCache: Sendable {
    private typealias Listing = Task<ListedObjects, any Error>

    private struct State {
        var lists: [String: ListedObjects] = [:]
        /// The request in flight per namespace, with the number that lets it settle only its own entry.
        var inFlight: [String: (id: UInt64, task: Listing)] = [:]
        var nextID: UInt64 = 0
        /// Per namespace, the looked-up values that have already caused a re-list (`first(_:equal:in:)`).
        var relisted: [String: Set<ListedValue>] = [:]
    }

    private enum Lookup {
        case cached(ListedObjects)
        case listing(Listing)
    }

    private struct ListedValue: Hashable {
        let key: ListedObjects.Key
        let value: String
    }

    private let list: @Sendable (String) async throws -> [JSONValue]
    private let state = Mutex(State())

    init(list: @escaping @Sendable (String) async throws -> [JSONValue]) {
        self.list = list
    }

    /// The cached list of `namespace`, listing it if there is none yet.
    func items(in namespace: String) async throws -> ListedObjects {
        let lookup: Lookup = state.withLock { state in
            if let cached = state.lists[namespace] { return .cached(cached) }
            return .listing(joinOrStart(namespace, &state))
        }
        switch lookup {
        case .cached(let items): return items
        case .listing(let listing): return try await listing.value
        }
    }

    /// Starts listing `namespace` unless it is cached or already being listed, without waiting for the answer: a
    /// caller that knows it will need several lists can have them travel together. Later lookups join the request;
    /// its result is cached as any other (an error is not).
    func startLoading(_ namespace: String) {
        state.withLock { state in
            guard state.lists[namespace] == nil, state.inFlight[namespace] == nil else { return }
            _ = joinOrStart(namespace, &state)
        }
    }

    /// The first listed object whose `key` equals `value`. A miss re-lists the namespace once (the object may be newer
    /// than the list); a further miss for the same value does not list again for the life of the process. LIST errors
    /// are thrown, and a failed re-list may be tried again.
    func first(_ key: ListedObjects.Key, equal value: String, in namespace: String) async throws -> JSONValue? {
        try await all(key, equal: value, in: namespace, acceptedWhen: { !$0.isEmpty }).first
    }

    /// The listed objects whose `key` equals `value`, in list order. When the cached list's matches are not
    /// `accepted` (none, or none in a usable state), the namespace is re-listed once for that value, under the same
    /// rule as `first(_:equal:in:)`, and the fresh list's matches are returned whatever they are.
    func all(
        _ key: ListedObjects.Key, equal value: String, in namespace: String,
        acceptedWhen accepted: ([JSONValue]) -> Bool
    ) async throws -> [JSONValue] {
        let cached = try await items(in: namespace).all(key, equal: value)
        if accepted(cached) { return cached }
        let lookup = ListedValue(key: key, value: value)
        guard state.withLock({ $0.relisted[namespace, default: []].insert(lookup).inserted }) else { return cached }
        do {
            return try await refresh(namespace).all(key, equal: value)
        } catch {
            _ = state.withLock { $0.relisted[namespace]?.remove(lookup) }
            throw error
        }
    }

    /// Lists `namespace` again (or joins the request in flight) and caches the result.
    func refresh(_ namespace: String) async throws -> ListedObjects {
        let listing = state.withLock { joinOrStart(namespace, &$0) }
        return try await listing.value
    }

    /// The request in flight for `namespace`, or a new one. The new task settles its own entry when it ends: it
    /// caches a success and always leaves the in-flight table. It cannot settle before it is entered here, as
    /// settling takes the lock this runs under.
    private func joinOrStart(_ namespace: String, _ state: inout State) -> Listing {
        if let running = state.inFlight[namespace] { return running.task }
        state.nextID &+= 1
        let id = state.nextID
        let list = self.list
        let task = Listing {
            do {
                let items = ListedObjects(try await list(namespace))
                self.settle(namespace, id: id, with: items)
                return items
            } catch {
                self.settle(namespace, id: id, with: nil)
                throw error
            }
        }
        state.inFlight[namespace] = (id, task)
        return task
    }

    private func settle(_ namespace: String, id: UInt64, with items: ListedObjects?) {
        state.withLock { state in
            guard state.inFlight[namespace]?.id == id else { return }
            state.inFlight[namespace] = nil
            if let items { state.lists[namespace] = items }
        }
    }
}
