import Synchronization

/// One value per key, loaded on first use and kept for the process (one backup or restore). Concurrent callers for a
/// key share a single load; a failed load is reported to every caller waiting on it and is not kept, so the next
/// caller tries again.
final class SharedLoads<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private typealias Load = Task<Value, any Error>

    private struct State {
        var loaded: [Key: Value] = [:]
        var inFlight: [Key: Load] = [:]
    }

    private let state = Mutex(State())

    init() {}

    private enum Lookup {
        case loaded(Value)
        case loading(Load)
    }

    /// The value for `key`, loading it with `load` unless it is kept or already being loaded. A kept value is
    /// returned without suspending. The load's task cannot settle before it is entered, as settling takes the lock
    /// it is entered under.
    func value(for key: Key, load: @escaping @Sendable () async throws -> Value) async throws -> Value {
        let lookup: Lookup = state.withLock { state in
            if let value = state.loaded[key] { return .loaded(value) }
            if let running = state.inFlight[key] { return .loading(running) }
            let task = Load {
                let result: Result<Value, any Error>
                do { result = .success(try await load()) } catch { result = .failure(error) }
                self.settle(key, with: result)
                return try result.get()
            }
            state.inFlight[key] = task
            return .loading(task)
        }
        switch lookup {
        case .loaded(let value): return value
        case .loading(let task): return try await task.value
        }
    }

    private func settle(_ key: Key, with result: Result<Value, any Error>) {
        state.withLock { state in
            state.inFlight[key] = nil
            if case .success(let value) = result { state.loaded[key] = value }
        }
    }
}
