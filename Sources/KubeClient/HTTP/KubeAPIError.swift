/// A failed Kubernetes API request, classified the way callers act on it. Messages name the verb, resource and
/// namespace and carry the API server's Status message; they never contain credentials.
public enum KubeAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// HTTP 404. `message` is the Status message, e.g. `virtualmachineinstances.kubevirt.io "vm1" not found`.
    case notFound(message: String)
    /// HTTP 401/403: the service account may not do this.
    case unauthorized(status: Int, request: RequestDescription, message: String)
    /// Any other HTTP error status, after retries where they apply.
    case status(code: Int, request: RequestDescription, message: String)
    /// No answer: connection refused/reset, timeout, TLS failure (after retries).
    case transport(request: RequestDescription, reason: String)
    /// The response was not the JSON the request promised (truncated body, not an object, …).
    case malformedResponse(request: RequestDescription, reason: String)
    /// No client could be configured (no kubeconfig and not in a cluster, unreadable token, bad CA, …).
    case configuration(reason: String)

    public var description: String {
        switch self {
        case .notFound(let message):
            return message
        case .unauthorized(let status, let request, let message):
            let word = status == 401 ? "unauthorized" : "forbidden"
            return "\(word): cannot \(request) (HTTP \(status)): \(message)"
        case .status(let code, let request, let message):
            return "cannot \(request): HTTP \(code): \(message)"
        case .transport(let request, let reason):
            return "cannot \(request): \(reason)"
        case .malformedResponse(let request, let reason):
            return "cannot \(request): malformed response: \(reason)"
        case .configuration(let reason):
            return reason
        }
    }
}

/// What a request was, in an admin's words: `get virtualmachineinstances.kubevirt.io ns/vm1`, `list pods in ns`.
public struct RequestDescription: Sendable, Equatable, CustomStringConvertible {
    public var verb: String
    public var resource: String
    public var namespace: String
    public var name: String?

    public init(verb: String, resource: String, namespace: String, name: String? = nil) {
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    public var description: String {
        if let name { return "\(verb) \(resource) \(namespace)/\(name)" }
        return "\(verb) \(resource) in namespace \(namespace)"
    }
}
