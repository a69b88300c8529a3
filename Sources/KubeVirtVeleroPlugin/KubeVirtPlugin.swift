import Logging
import VeleroPluginKit

/// The plugin's actions under their Velero names, for the executable to register (the Go plugin's names, plus one
/// ItemBlockAction).
///
/// Every list is in ListPlugins order within its kind. `make` is cheap and cannot fail (D7 in docs/decisions.md): it
/// builds a struct around the shared `ClusterCache` and logs one Debug line; no cluster request happens before an
/// action needs one. Loggers are created inside `make`, i.e. after the executable has bootstrapped logging.
public struct KubeVirtPlugin: Sendable {
    /// A name and the factory of its action instance.
    public struct Registration<Action>: Sendable {
        public let name: String
        public let make: @Sendable () -> Action
    }

    public let backupItemActions: [Registration<any BackupItemAction>]
    public let restoreItemActions: [Registration<any RestoreItemAction>]
    public let itemBlockActions: [Registration<any ItemBlockAction>]
    private let clusterReader: any ClusterReader

    /// - Parameters:
    ///   - clusterReader: the API access shared by all actions (wrapped once in the D7 caches).
    ///   - makeLogger: creates an action's logger from the action's registered name.
    public init(
        clusterReader: any ClusterReader,
        makeLogger: @escaping @Sendable (String) -> Logger = { Logger(label: $0) }
    ) {
        self.clusterReader = clusterReader
        let cluster = ClusterCache(reader: clusterReader)
        func entry<Action>(_ name: String, _ make: @escaping @Sendable (Logger) -> Action) -> Registration<Action> {
            Registration(name: name) { make(makeLogger(name)) }
        }
        backupItemActions = [
            entry(DVBackupItemAction.name) { DVBackupItemAction(cluster: cluster, logger: $0) },
            entry(PVCBackupItemAction.name) { PVCBackupItemAction(cluster: cluster, logger: $0) },
            entry(VMBackupItemAction.name) { VMBackupItemAction(cluster: cluster, logger: $0) },
            entry(VMIBackupItemAction.name) { VMIBackupItemAction(cluster: cluster, logger: $0) },
            entry(VolumeSnapshotBackupItemAction.name) { VolumeSnapshotBackupItemAction(cluster: cluster, logger: $0) },
        ]
        // D12: one action per KubeVirt operation kind, `restore-<kind>-action`, sorted between pvc and vm (the pool's
        // own action sorts among them).
        let operations: [Registration<any RestoreItemAction>] = OperationObject.all.map { operation in
            entry(operation.actionName) { logger -> any RestoreItemAction in OperationObjectRestoreAction(operation, logger: logger) }
        }
        restoreItemActions = ([
            entry(ControllerRevisionRestoreAction.name) { ControllerRevisionRestoreAction(logger: $0) },
            entry(DVRestoreItemAction.name) { DVRestoreItemAction(cluster: cluster, logger: $0) },
            entry(NADRestoreItemAction.name) { NADRestoreItemAction(logger: $0) },
            entry(PodRestorePlugin.name) { PodRestorePlugin(logger: $0) },
            entry(PVCRestoreItemAction.name) { PVCRestoreItemAction(logger: $0) },
        ] + operations + [
            entry(VMPoolRestoreItemAction.name) { VMPoolRestoreItemAction(cluster: cluster, logger: $0) },
            entry(VMRestorePlugin.name) { VMRestorePlugin(cluster: cluster, logger: $0) },
            entry(VMIRestorePlugin.name) { VMIRestorePlugin(cluster: cluster, logger: $0) },
            entry(VolumeSnapshotRestoreItemAction.name) { VolumeSnapshotRestoreItemAction(logger: $0) },
        ]).sorted { $0.name < $1.name }
        itemBlockActions = [
            entry(VMItemBlockAction.name) { VMItemBlockAction(cluster: cluster, logger: $0) }
        ]
    }

    /// Registers every action under its name, and the preparation of cluster access once the plugin serves (the API
    /// client is then ready when the first action needs it; no request is made before).
    public func register(in registry: PluginRegistry) {
        for action in backupItemActions { registry.register(backupItemAction: action.name, action.make) }
        for action in restoreItemActions { registry.register(restoreItemAction: action.name, action.make) }
        for action in itemBlockActions { registry.register(itemBlockAction: action.name, action.make) }
        let reader = clusterReader
        registry.whenServing { reader.prepare() }
    }
}
