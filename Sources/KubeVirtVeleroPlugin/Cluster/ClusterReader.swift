/// The Kubernetes API reads the actions need (the GETs and LISTs the Go plugin makes). Implementations return objects
/// as raw JSON (list calls return the list's `items`), throw `KubernetesNotFoundError` for HTTP 404 and any other error
/// with a message an admin can act on. Must be safe to call concurrently. The caching rules of D7 (docs/decisions.md)
/// live above this protocol in `ClusterCache`, so an implementation makes exactly one request per call.
public protocol ClusterReader: Sendable {
    /// GET `/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachineinstances/{name}`.
    func virtualMachineInstance(namespace: String, name: String) async throws -> JSONValue
    /// GET `/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachines/{name}`.
    func virtualMachine(namespace: String, name: String) async throws -> JSONValue
    /// GET `/apis/cdi.kubevirt.io/v1beta1/namespaces/{ns}/datavolumes/{name}`.
    func dataVolume(namespace: String, name: String) async throws -> JSONValue
    /// GET `/api/v1/namespaces/{ns}/persistentvolumeclaims/{name}`.
    func persistentVolumeClaim(namespace: String, name: String) async throws -> JSONValue
    /// LIST `/api/v1/namespaces/{ns}/pods?labelSelector=kubevirt.io=virt-launcher`, items in list order.
    func launcherPods(namespace: String) async throws -> [JSONValue]
    /// LIST `/api/v1/namespaces/{ns}/persistentvolumeclaims`, with `?labelSelector=` when `labelSelector` is not
    /// `nil`, items in list order.
    func persistentVolumeClaims(namespace: String, labelSelector: String?) async throws -> [JSONValue]
    /// LIST `/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachineinstances`.
    func virtualMachineInstances(namespace: String) async throws -> [JSONValue]
    /// LIST `/apis/kubevirt.io/v1/namespaces/{ns}/virtualmachines`.
    func virtualMachines(namespace: String) async throws -> [JSONValue]
    /// LIST `/apis/cdi.kubevirt.io/v1beta1/namespaces/{ns}/datavolumes`.
    func dataVolumes(namespace: String) async throws -> [JSONValue]
    /// Makes the first request cheaper without making one (e.g. creates the API client). Called in the background
    /// once the plugin serves; it must not fail or log: a call that needs the API reports its own errors.
    func prepare()
}

extension ClusterReader {
    public func prepare() {}
}

/// The fields the actions read from listed objects, which is all a cached LIST keeps: `metadata.name`, `namespace`,
/// `uid`, `labels` (as they are, whatever their type), the annotations named in `keptAnnotations`,
/// `status.phase` and the node names (`spec.nodeName` of a pod, `status.nodeName` of a VMI: a migrating VMI has two
/// launcher pods, and the one on the VMI's node runs it). A namespace of thousands of VMs then costs kilobytes, not the megabytes of full objects. GET
/// results stay whole.
public enum ObjectEssentials {
    /// Annotations kept on listed objects (the launcher-pod lookup reads `kubevirt.io/domain`).
    public static let keptAnnotations: Set<String> = ["kubevirt.io/domain"]

    /// What `project` reads, for parsing a LIST without materialising the rest of each object (full pods are
    /// kilobytes each). `project` applied to an object parsed with this selection gives what it gives for the whole
    /// object.
    public static let selection: JSONSelection = .members([
        "metadata": .members([
            JSONSelection.Wanted("name"), JSONSelection.Wanted("namespace"), JSONSelection.Wanted("uid"),
            JSONSelection.Wanted("labels"),
            JSONSelection.Wanted("annotations", .members(keptAnnotations.sorted().map { JSONSelection.Wanted($0) })),
        ]),
        "spec": .members(["nodeName": .all]),
        "status": .members(["phase": .all, "nodeName": .all]),
    ])

    public static func project(_ object: JSONValue) -> JSONValue {
        guard let source = object.objectValue else { return object }
        var result = JSONObject()
        if let metadata = source["metadata"]?.objectValue {
            var kept = JSONObject()
            for key in ["name", "namespace", "uid", "labels"] {
                if let value = metadata[key] { kept[key] = value }
            }
            if let annotations = metadata["annotations"] {
                if let members = annotations.objectValue?.members {
                    var subset = JSONObject()
                    for member in members where keptAnnotations.contains(member.key) { subset[member.key] = member.value }
                    if !subset.isEmpty { kept["annotations"] = .object(subset) }
                } else {
                    kept["annotations"] = annotations  // a wrong type stays visible to the type checks
                }
            }
            result["metadata"] = .object(kept)
        } else if let metadata = source["metadata"] {
            result["metadata"] = metadata
        }
        if let nodeName = source["spec"]?.objectValue?["nodeName"] {
            result["spec"] = .object(["nodeName": nodeName])
        }
        if let status = source["status"]?.objectValue {
            var kept = JSONObject()
            for key in ["phase", "nodeName"] {
                if let value = status[key] { kept[key] = value }
            }
            if !kept.isEmpty { result["status"] = .object(kept) }
        }
        return .object(result)
    }
}

/// HTTP 404 from the API. `message` is the API Status message, e.g.
/// `virtualmachineinstances.kubevirt.io "vm1" not found` — the text the reference plugin surfaces.
public struct KubernetesNotFoundError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    /// The API server's wording for a missing object of `resource` (`virtualmachineinstances.kubevirt.io`).
    public init(resource: String, name: String) {
        self.message = "\(resource) \"\(name)\" not found"
    }

    public var description: String { message }
}

/// The API cannot be reached because no client could be configured (e.g. no in-cluster service account).
public struct ClusterUnavailableError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    /// Starts with the reference's text `Kubernetes client not available`.
    public var description: String { "Kubernetes client not available: \(reason)" }
}

/// A reader for a process that has no Kubernetes client: every call fails with `Kubernetes client not available:
/// <reason>`. Actions that need no cluster reads keep working.
public struct UnavailableClusterReader: ClusterReader {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    private var error: ClusterUnavailableError { ClusterUnavailableError(reason: reason) }

    public func virtualMachineInstance(namespace: String, name: String) async throws -> JSONValue { throw error }
    public func virtualMachine(namespace: String, name: String) async throws -> JSONValue { throw error }
    public func dataVolume(namespace: String, name: String) async throws -> JSONValue { throw error }
    public func persistentVolumeClaim(namespace: String, name: String) async throws -> JSONValue { throw error }
    public func launcherPods(namespace: String) async throws -> [JSONValue] { throw error }
    public func persistentVolumeClaims(namespace: String, labelSelector: String?) async throws -> [JSONValue] {
        throw error
    }
    public func virtualMachineInstances(namespace: String) async throws -> [JSONValue] { throw error }
    public func virtualMachines(namespace: String) async throws -> [JSONValue] { throw error }
    public func dataVolumes(namespace: String) async throws -> [JSONValue] { throw error }
}
