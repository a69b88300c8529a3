/// The plugin's method table without gRPC: each call runs exactly the handler the server runs for that method path
/// (request decoding, the registered action, response encoding). For benchmarks and tools that measure the
/// handlers in-process; Velero always goes through `PluginMain` and the socket.
public struct InProcessPlugin: Sendable {
    private let routes: [String: Route]

    public init(registry: PluginRegistry) {
        routes = ServiceRoutes.make(registry: registry, plugins: registry.identifiers(command: "in-process")) {}
    }

    /// The encoded response of `method` (e.g. `/generated.BackupItemAction/Execute`) for an encoded request; an
    /// action's error is thrown as the server would map it to a gRPC status.
    public func call(_ method: String, _ request: [UInt8]) async throws -> [UInt8] {
        guard case .unary(let handler)? = routes[method] else {
            throw GRPCFailure(code: GRPCCode.unimplemented, message: "unknown method \(method)")
        }
        return try await handler(request)
    }

    /// The method path Velero calls to run an action of `kind`.
    public static func executeMethod(for kind: PluginKind) -> String {
        MethodPath.execute(kind)
    }
}
