/// Every gRPC method a plugin serves, by full path (`/package.Service/Method`, as in the `.proto` files under
/// `proto/`): go-plugin's infrastructure services and Velero's item-action services. The server's routes, the
/// in-process plugin and the host all name methods from here. (Tests spell the paths out, to check this table.)
package enum MethodPath {
    package static let healthCheck = "/grpc.health.v1.Health/Check"
    package static let brokerStream = "/plugin.GRPCBroker/StartStream"
    package static let stdioStream = "/plugin.GRPCStdio/StreamStdio"
    package static let shutdown = "/plugin.GRPCController/Shutdown"
    package static let listPlugins = "/generated.PluginLister/ListPlugins"

    /// The proto service of an action kind: v1 actions live in package `generated`, the v2 ones in `v2`, the
    /// ItemBlockAction in `v1`.
    package static func service(_ kind: PluginKind) -> String {
        switch kind {
        case .backupItemAction: "generated.BackupItemAction"
        case .backupItemActionV2: "v2.BackupItemAction"
        case .restoreItemAction: "generated.RestoreItemAction"
        case .restoreItemActionV2: "v2.RestoreItemAction"
        case .itemBlockAction: "v1.ItemBlockAction"
        }
    }

    /// `method` of `kind`'s service: `AppliesTo`, `Execute`, `Progress`, `Cancel`, `AreAdditionalItemsReady`,
    /// `GetRelatedItems`.
    package static func of(_ kind: PluginKind, _ method: String) -> String {
        "/\(service(kind))/\(method)"
    }

    /// The method Velero calls to run an action of `kind`: `Execute`, or the ItemBlockAction's `GetRelatedItems`.
    package static func execute(_ kind: PluginKind) -> String {
        of(kind, kind == .itemBlockAction ? "GetRelatedItems" : "Execute")
    }
}
