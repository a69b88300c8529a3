/// Velero's v2 item actions, which may start asynchronous operations that Velero polls with `progress` — every
/// poll in a new plugin process, so an operation's state must live in its ID or in the cluster.

/// Result of a v2 backup item action's `execute`.
public struct BackupItemActionV2Output: Sendable, Equatable {
    public var updatedItem: [UInt8]?
    public var additionalItems: [ResourceIdentifier]
    /// Non-empty: an asynchronous operation was started.
    public var operationID: String
    /// Backed up again in the finalize phase, after the operation completes.
    public var postOperationItems: [ResourceIdentifier]

    public init(
        updatedItem: [UInt8]? = nil, additionalItems: [ResourceIdentifier] = [], operationID: String = "",
        postOperationItems: [ResourceIdentifier] = []
    ) {
        self.updatedItem = updatedItem
        self.additionalItems = additionalItems
        self.operationID = operationID
        self.postOperationItems = postOperationItems
    }
}

/// Result of a v2 restore item action's `execute`.
public struct RestoreItemActionV2Output: Sendable, Equatable {
    public var updatedItem: [UInt8]?
    public var additionalItems: [ResourceIdentifier]
    public var skipRestore: Bool
    public var operationID: String
    /// Velero polls `areAdditionalItemsReady` every second until true or the timeout.
    public var waitForAdditionalItems: Bool
    /// `nil` = Velero's `--resource-timeout`.
    public var additionalItemsReadyTimeout: ProtoTime?

    public init(
        updatedItem: [UInt8]? = nil, additionalItems: [ResourceIdentifier] = [], skipRestore: Bool = false,
        operationID: String = "", waitForAdditionalItems: Bool = false, additionalItemsReadyTimeout: ProtoTime? = nil
    ) {
        self.updatedItem = updatedItem
        self.additionalItems = additionalItems
        self.skipRestore = skipRestore
        self.operationID = operationID
        self.waitForAdditionalItems = waitForAdditionalItems
        self.additionalItemsReadyTimeout = additionalItemsReadyTimeout
    }
}

/// A BackupItemAction (Velero kind `BackupItemActionV2`).
public protocol BackupItemActionV2: Sendable {
    func appliesTo() throws -> ResourceSelector
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionV2Output
    func progress(operationID: String, backup: [UInt8]) async throws -> OperationProgress
    func cancel(operationID: String, backup: [UInt8]) async throws
}

/// A RestoreItemAction (Velero kind `RestoreItemActionV2`).
public protocol RestoreItemActionV2: Sendable {
    func appliesTo() throws -> ResourceSelector
    func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionV2Output
    func progress(operationID: String, restore: [UInt8]) async throws -> OperationProgress
    func cancel(operationID: String, restore: [UInt8]) async throws
    func areAdditionalItemsReady(_ items: [ResourceIdentifier], restore: [UInt8]) async throws -> Bool
}
