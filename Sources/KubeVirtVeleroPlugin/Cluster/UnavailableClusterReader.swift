/// A reader for a process that has no Kubernetes client: every call fails with `Kubernetes client not available:
/// <reason>`. Actions that need no cluster reads keep working.
public struct UnavailableClusterReader: ClusterReader {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public func get(_ resource: ClusterResource, namespace: String, name: String) async throws -> JSONValue {
        throw ClusterUnavailableError(reason: reason)
    }

    public func list(_ resource: ClusterResource, namespace: String, labelSelector: String?) async throws -> [JSONValue] {
        throw ClusterUnavailableError(reason: reason)
    }
}
