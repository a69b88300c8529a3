import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-controllerrevision-action` (D12 in docs/decisions.md; the Go plugin has none). A
/// VirtualMachinePool records each generation of its spec in a ControllerRevision `<pool>-<generation>` and compares
/// its VMs with the revision they are labelled with (`isOutdatedVM`, pkg/virt-controller/watch/pool/pool.go). A
/// restored pool starts again at generation 1 and writes its own revision unless one of that name exists; a backed-up
/// `<pool>-1` from an older spec would make the pool update its VMs for ever. So a pool's revisions are left to the
/// pool when the restore brings it back, as its VMs are. Every other ControllerRevision is restored as it is.
public struct ControllerRevisionRestoreAction: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-controllerrevision-action"
    static let typeName = "ControllerRevisionRestoreAction"

    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["controllerrevisions.apps"])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        let revision = try KubernetesObject(item: item, kind: "ControllerRevision", actionTypeName: Self.typeName)
        guard let pool = PoolMembership.owningPool(ofBackedUp: itemFromBackup) else { return .unchanged }
        let settings = try RestoreSettings(restore: restore, actionTypeName: Self.typeName)
        guard settings.restoresPools else { return .unchanged }
        logger.info(
            "\(revision.reference) not restored: a revision of VirtualMachinePool \(revision.namespace)/\(pool), which the restore brings back and which writes its revisions again")
        return RestoreItemActionOutput(skipRestore: true)
    }
}
