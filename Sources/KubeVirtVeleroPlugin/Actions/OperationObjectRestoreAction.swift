import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-<kind>-action` for each `OperationObject` kind (D12 in docs/decisions.md; the Go
/// plugin restores them as they are): the object is not restored, and one Info line names it and says why.
public struct OperationObjectRestoreAction: RestoreItemAction {
    static let typeName = "OperationObjectRestoreAction"

    let operation: OperationObject
    let logger: Logger

    init(_ operation: OperationObject, logger: Logger) {
        self.operation = operation
        self.logger = logger
        logger.debug("Creating \(Self.typeName) for \(operation.kind)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: [operation.resource])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        let object = try KubernetesObject(item: item, kind: operation.kind, actionTypeName: Self.typeName)
        logger.info("\(object.reference) not restored: \(operation.reason)")
        return RestoreItemActionOutput(skipRestore: true)
    }
}
