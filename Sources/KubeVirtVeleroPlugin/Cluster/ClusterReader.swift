/// The Kubernetes API reads the actions need: a GET of one object and a LIST of a namespace, for any resource of the
/// `ClusterResource` table. Implementations return objects as raw JSON (a LIST returns the list's `items` in list
/// order, reduced to `ObjectEssentials`), throw `KubernetesNotFoundError` for HTTP 404 and any other error with a
/// message an admin can act on, and are safe to call concurrently. The caching rules of D7 (docs/decisions.md) live
/// above this protocol in `ClusterCache`, so an implementation makes exactly one request per call.
public protocol ClusterReader: Sendable {
    /// GET `resource`'s object `namespace/name`.
    func get(_ resource: ClusterResource, namespace: String, name: String) async throws -> JSONValue
    /// LIST `resource` in `namespace`, with `?labelSelector=` when `labelSelector` is not `nil`.
    func list(_ resource: ClusterResource, namespace: String, labelSelector: String?) async throws -> [JSONValue]
    /// Makes the first request cheaper without making one (e.g. creates the API client). Called in the background
    /// once the plugin serves; it must not fail or log: a call that needs the API reports its own errors.
    func prepare()
}

extension ClusterReader {
    public func prepare() {}
}
