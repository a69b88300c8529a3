/// HTTP 404 from the API. `message` is the API Status message, e.g.
/// `virtualmachineinstances.kubevirt.io "vm1" not found` — the text the reference plugin surfaces.
public struct KubernetesNotFoundError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(message: String) {
        self.message = message
    }

    /// The API server's wording for a missing object of `resource`.
    public init(resource: ClusterResource, name: String) {
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
