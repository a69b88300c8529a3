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

    private func object(_ path: String, _ request: RequestDescription) async throws -> JSONValue {
        let body: [UInt8]
        do {
            body = try await client().get(path, request)
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

    private func items(_ path: String, labelSelector: String?, _ request: RequestDescription) async throws -> [JSONValue] {
        do {
            return try await client().list(
                path, labelSelector: labelSelector, request, selecting: ObjectEssentials.selection,
                transform: ObjectEssentials.project)
        } catch let error as KubeAPIError {
            throw Self.translate(error)
        }
    }

    /// 404 becomes the typed not-found error the actions test for, with the API's own message.
    static func translate(_ error: KubeAPIError) -> any Error {
        if case .notFound(let message) = error { return KubernetesNotFoundError(message: message) }
        return error
    }

    private static func segment(_ text: String) -> String { QueryPath.segment(text) }

    public func virtualMachineInstance(namespace: String, name: String) async throws -> JSONValue {
        try await object(
            "/apis/kubevirt.io/v1/namespaces/\(Self.segment(namespace))/virtualmachineinstances/\(Self.segment(name))",
            RequestDescription(verb: "get", resource: "virtualmachineinstances.kubevirt.io", namespace: namespace, name: name))
    }

    public func virtualMachine(namespace: String, name: String) async throws -> JSONValue {
        try await object(
            "/apis/kubevirt.io/v1/namespaces/\(Self.segment(namespace))/virtualmachines/\(Self.segment(name))",
            RequestDescription(verb: "get", resource: "virtualmachines.kubevirt.io", namespace: namespace, name: name))
    }

    public func dataVolume(namespace: String, name: String) async throws -> JSONValue {
        try await object(
            "/apis/cdi.kubevirt.io/v1beta1/namespaces/\(Self.segment(namespace))/datavolumes/\(Self.segment(name))",
            RequestDescription(verb: "get", resource: "datavolumes.cdi.kubevirt.io", namespace: namespace, name: name))
    }

    public func persistentVolumeClaim(namespace: String, name: String) async throws -> JSONValue {
        try await object(
            "/api/v1/namespaces/\(Self.segment(namespace))/persistentvolumeclaims/\(Self.segment(name))",
            RequestDescription(verb: "get", resource: "persistentvolumeclaims", namespace: namespace, name: name))
    }

    public func launcherPods(namespace: String) async throws -> [JSONValue] {
        try await items(
            "/api/v1/namespaces/\(Self.segment(namespace))/pods", labelSelector: "kubevirt.io=virt-launcher",
            RequestDescription(verb: "list", resource: "pods", namespace: namespace))
    }

    public func persistentVolumeClaims(namespace: String, labelSelector: String?) async throws -> [JSONValue] {
        try await items(
            "/api/v1/namespaces/\(Self.segment(namespace))/persistentvolumeclaims", labelSelector: labelSelector,
            RequestDescription(verb: "list", resource: "persistentvolumeclaims", namespace: namespace))
    }

    public func virtualMachineInstances(namespace: String) async throws -> [JSONValue] {
        try await items(
            "/apis/kubevirt.io/v1/namespaces/\(Self.segment(namespace))/virtualmachineinstances", labelSelector: nil,
            RequestDescription(verb: "list", resource: "virtualmachineinstances.kubevirt.io", namespace: namespace))
    }

    public func virtualMachines(namespace: String) async throws -> [JSONValue] {
        try await items(
            "/apis/kubevirt.io/v1/namespaces/\(Self.segment(namespace))/virtualmachines", labelSelector: nil,
            RequestDescription(verb: "list", resource: "virtualmachines.kubevirt.io", namespace: namespace))
    }

    public func dataVolumes(namespace: String) async throws -> [JSONValue] {
        try await items(
            "/apis/cdi.kubevirt.io/v1beta1/namespaces/\(Self.segment(namespace))/datavolumes", labelSelector: nil,
            RequestDescription(verb: "list", resource: "datavolumes.cdi.kubevirt.io", namespace: namespace))
    }
}
