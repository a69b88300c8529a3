import Synchronization
import Testing
@testable import KubeVirtVeleroPlugin

/// An in-memory cluster that counts every request, so tests can assert both answers and the API
/// cost (D7, docs/decisions.md).
final class FakeClusterReader: ClusterReader {
    struct State {
        var virtualMachineInstances: [String: JSONValue] = [:]
        var virtualMachines: [String: JSONValue] = [:]
        var dataVolumes: [String: JSONValue] = [:]
        var claims: [String: JSONValue] = [:]
        /// Answer for any DataVolume / PVC GET not found above (the reference tests' "not excluded" mocks).
        var anyDataVolume: JSONValue? = nil
        var anyClaim: JSONValue? = nil
        var launcherPods: [String: [JSONValue]] = [:]
        var claimLists: [String: [JSONValue]] = [:]
        var getError: (any Error)? = nil
        var podListError: (any Error)? = nil
        var claimListError: (any Error)? = nil
        /// Pod lists returned by successive LISTs (first element first), overriding `launcherPods` while non-empty.
        var podListSequence: [[JSONValue]] = []
        var calls: [String] = []
    }

    let state: Mutex<State>
    /// When set, LIST calls wait here until the test opens it.
    let gate: Gate?

    init(gate: Gate? = nil, _ configure: (inout State) -> Void = { _ in }) {
        var initial = State()
        configure(&initial)
        state = Mutex(initial)
        self.gate = gate
    }

    func configure(_ body: (inout State) -> Void) { state.withLock { body(&$0) } }

    var calls: [String] { state.withLock { $0.calls } }
    func count(_ prefix: String) -> Int { calls.filter { $0.hasPrefix(prefix) }.count }
    var podLists: Int { count("LIST pods") }
    var claimLists: Int { count("LIST persistentvolumeclaims") }

    private func record(_ call: String) { state.withLock { $0.calls.append(call) } }

    func virtualMachineInstance(namespace: String, name: String) async throws -> JSONValue {
        try get("virtualmachineinstances.kubevirt.io", namespace, name) { $0.virtualMachineInstances[$1] }
    }

    func virtualMachine(namespace: String, name: String) async throws -> JSONValue {
        try get("virtualmachines.kubevirt.io", namespace, name) { $0.virtualMachines[$1] }
    }

    func dataVolume(namespace: String, name: String) async throws -> JSONValue {
        try get("datavolumes.cdi.kubevirt.io", namespace, name) { $0.dataVolumes[$1] ?? $0.anyDataVolume }
    }

    func persistentVolumeClaim(namespace: String, name: String) async throws -> JSONValue {
        try get("persistentvolumeclaims", namespace, name) { $0.claims[$1] ?? $0.anyClaim }
    }

    private func get(
        _ resource: String, _ namespace: String, _ name: String, _ find: (State, String) -> JSONValue?
    ) throws -> JSONValue {
        record("GET \(resource) \(namespace)/\(name)")
        return try state.withLock { state in
            if let error = state.getError { throw error }
            guard let found = find(state, "\(namespace)/\(name)") else {
                throw KubernetesNotFoundError(resource: resource, name: name)
            }
            return found
        }
    }

    func virtualMachineInstances(namespace: String) async throws -> [JSONValue] {
        try list("virtualmachineinstances.kubevirt.io", namespace) { $0.virtualMachineInstances }
    }

    func virtualMachines(namespace: String) async throws -> [JSONValue] {
        try list("virtualmachines.kubevirt.io", namespace) { $0.virtualMachines }
    }

    func dataVolumes(namespace: String) async throws -> [JSONValue] {
        try list("datavolumes.cdi.kubevirt.io", namespace) { $0.dataVolumes }
    }

    /// The objects of `namespace` from a `namespace/name`-keyed table, in name order. `getError` fails LISTs too, so
    /// a test of a failing API sees the failure whichever request the cache makes.
    private func list(_ resource: String, _ namespace: String, _ table: (State) -> [String: JSONValue]) throws -> [JSONValue] {
        record("LIST \(resource) \(namespace)")
        return try state.withLock { state in
            if let error = state.getError { throw error }
            return table(state).filter { $0.key.hasPrefix(namespace + "/") }.sorted { $0.key < $1.key }.map(\.value)
        }
    }

    func launcherPods(namespace: String) async throws -> [JSONValue] {
        record("LIST pods \(namespace)")
        await gate?.wait()
        return try state.withLock { state in
            if let error = state.podListError { throw error }
            if !state.podListSequence.isEmpty { return state.podListSequence.removeFirst() }
            return state.launcherPods[namespace] ?? []
        }
    }

    func persistentVolumeClaims(namespace: String, labelSelector: String?) async throws -> [JSONValue] {
        record("LIST persistentvolumeclaims \(namespace)")
        await gate?.wait()
        return try state.withLock { state in
            if let error = state.claimListError { throw error }
            return state.claimLists[namespace] ?? []
        }
    }
}

/// Holds callers until opened (to keep a LIST in flight while concurrent lookups arrive).
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

struct SimulatedAPIError: Error, CustomStringConvertible {
    var description: String
}
