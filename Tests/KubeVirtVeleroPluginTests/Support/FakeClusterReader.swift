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
        var virtualMachinePools: [String: JSONValue] = [:]
        var claims: [String: JSONValue] = [:]
        /// Answer for any DataVolume / PVC GET not found above (the reference tests' "not excluded" mocks).
        var anyDataVolume: JSONValue? = nil
        var anyClaim: JSONValue? = nil
        var launcherPods: [String: [JSONValue]] = [:]
        var claimLists: [String: [JSONValue]] = [:]
        /// ConfigMaps by `namespace/name`, LISTed by label selector (D14's change-storage-class ConfigMap).
        var configMaps: [String: JSONValue] = [:]
        var configMapListError: (any Error)? = nil
        /// Names of the cluster's StorageClasses (cluster-scoped; GET only).
        var storageClasses: Set<String> = []
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

    func get(_ resource: ClusterResource, namespace: String, name: String) async throws -> JSONValue {
        record("GET \(resource) \(namespace)/\(name)")
        let key = "\(namespace)/\(name)"
        return try state.withLock { state in
            if let error = state.getError { throw error }
            let found: JSONValue? =
                switch resource {
                case .virtualMachineInstances: state.virtualMachineInstances[key]
                case .virtualMachines: state.virtualMachines[key]
                case .dataVolumes: state.dataVolumes[key] ?? state.anyDataVolume
                case .virtualMachinePools: state.virtualMachinePools[key]
                case .persistentVolumeClaims: state.claims[key] ?? state.anyClaim
                case .configMaps: state.configMaps[key]
                case .storageClasses: state.storageClasses.contains(name) ? ["metadata": ["name": .string(name)]] : nil
                default: nil
                }
            guard let found else { throw KubernetesNotFoundError(resource: resource, name: name) }
            return found
        }
    }

    /// VMs, VMIs and DataVolumes come from their `namespace/name`-keyed tables in name order, and `getError` fails
    /// their LISTs too, so a test of a failing API sees the failure whichever request the cache makes. Pods and PVCs
    /// come from their own list tables, wait at the gate, and fail with their own errors.
    func list(_ resource: ClusterResource, namespace: String, labelSelector: String?) async throws -> [JSONValue] {
        // Only the ConfigMap LIST records its selector (D14 finds Velero's ConfigMap by it).
        record("LIST \(resource) \(namespace)" + (resource == .configMaps ? labelSelector.map { " \($0)" } ?? "" : ""))
        switch resource {
        case .configMaps:
            return try state.withLock { state in
                if let error = state.configMapListError { throw error }
                return state.configMaps.filter { $0.key.hasPrefix(namespace + "/") }.sorted { $0.key < $1.key }.map(\.value)
                    .filter { object in labelSelector.map { labelSelectorMatches($0, labels: labels(of: object)) } ?? true }
            }
        case .pods, .persistentVolumeClaims:
            await gate?.wait()
            return try state.withLock { state in
                if resource == .pods {
                    if let error = state.podListError { throw error }
                    if !state.podListSequence.isEmpty { return state.podListSequence.removeFirst() }
                    return state.launcherPods[namespace] ?? []
                }
                if let error = state.claimListError { throw error }
                return state.claimLists[namespace] ?? []
            }
        default:
            return try state.withLock { state in
                if let error = state.getError { throw error }
                let table: [String: JSONValue] =
                    switch resource {
                    case .virtualMachineInstances: state.virtualMachineInstances
                    case .virtualMachines: state.virtualMachines
                    case .dataVolumes: state.dataVolumes
                    case .virtualMachinePools: state.virtualMachinePools
                    default: [:]
                    }
                return table.filter { $0.key.hasPrefix(namespace + "/") }.sorted { $0.key < $1.key }.map(\.value)
            }
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
