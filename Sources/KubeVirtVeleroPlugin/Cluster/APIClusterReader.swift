import KubeClient

/// `ClusterReader` over the real Kubernetes API (docs/kubernetes-client.md): one request per call through the
/// process's shared client; the D7 caches (docs/decisions.md) sit above this in `ClusterCache`.
public struct APIClusterReader: ClusterReader {
    private let shared: SharedKubeClient

    public init(client: SharedKubeClient) {
        shared = client
    }

    /// Creates the shared client (configuration, event-loop thread), which the first cold call would otherwise wait
    /// for. A configuration error is not kept: the first call that needs the API tries again and reports it.
    public func prepare() {
        _ = try? shared.get()
    }

    private func client() throws -> KubeAPIClient {
        do {
            return try shared.get()
        } catch {
            throw ClusterUnavailableError(reason: error.description)
        }
    }

    public func get(_ resource: ClusterResource, namespace: String, name: String) async throws -> JSONValue {
        let request = RequestDescription(verb: "get", resource: resource.description, namespace: namespace, name: name)
        let body: [UInt8]
        do {
            body = try await client().get(resource.path(namespace: namespace, name: name), request)
        } catch let error as KubeAPIError {
            throw Self.translate(error)
        }
        do {
            let value = try JSONValue.parse(body)
            guard value.objectValue != nil else { throw KubeAPIError.malformedResponse(request: request, reason: "not a JSON object") }
            return value
        } catch let error as KubeAPIError {
            throw error
        } catch {
            throw KubeAPIError.malformedResponse(request: request, reason: "\(error)")
        }
    }

    public func list(_ resource: ClusterResource, namespace: String, labelSelector: String?) async throws -> [JSONValue] {
        do {
            return try await client().list(
                resource.path(namespace: namespace), labelSelector: labelSelector,
                RequestDescription(verb: "list", resource: resource.description, namespace: namespace),
                selecting: ObjectEssentials.selection, transform: ObjectEssentials.project)
        } catch let error as KubeAPIError {
            throw Self.translate(error)
        }
    }

    /// 404 becomes the typed not-found error the actions test for, with the API's own message.
    static func translate(_ error: KubeAPIError) -> any Error {
        if case .notFound(let message) = error { return KubernetesNotFoundError(message: message) }
        return error
    }
}
