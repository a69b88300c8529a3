/// The Swift side of Velero's item-action services. A plugin binary registers implementations of these protocols by
/// name (see `PluginRegistry`); the server decodes each request, calls the implementation and encodes the result.
/// Items, backups and restores travel as the JSON bytes Velero sent — the kit never interprets them.
///
/// Contract for implementers: methods may be called concurrently from many tasks (Velero's ItemBlock workers), must
/// never trap (a trap kills the process and fails the item), and report failures by throwing. A thrown
/// `PluginPanic` is answered like a recovered Go panic (ABORTED); any other error becomes UNKNOWN with the error's
/// description as the message (see `ActionError` for errors that carry their source location).

/// Result of a backup item action's `execute`.
public struct BackupItemActionOutput: Sendable, Equatable {
    /// The updated item as JSON, or `nil` when the action made no change (the request bytes are echoed back).
    public var updatedItem: [UInt8]?
    /// Items Velero must back up as well, before it continues.
    public var additionalItems: [ResourceIdentifier]

    public init(updatedItem: [UInt8]? = nil, additionalItems: [ResourceIdentifier] = []) {
        self.updatedItem = updatedItem
        self.additionalItems = additionalItems
    }

    public static let unchanged = BackupItemActionOutput()
}

/// Result of a restore item action's `execute`.
public struct RestoreItemActionOutput: Sendable, Equatable {
    /// The updated item as JSON, or `nil` when the action made no change (the request bytes are echoed back).
    public var updatedItem: [UInt8]?
    /// Items Velero restores from the backup before this one (identifiers use the backup's namespace).
    public var additionalItems: [ResourceIdentifier]
    /// `true`: Velero does not create the item; not an error.
    public var skipRestore: Bool

    public init(updatedItem: [UInt8]? = nil, additionalItems: [ResourceIdentifier] = [], skipRestore: Bool = false) {
        self.updatedItem = updatedItem
        self.additionalItems = additionalItems
        self.skipRestore = skipRestore
    }

    public static let unchanged = RestoreItemActionOutput()
}

/// A BackupItemAction (Velero kind `BackupItemAction`, v1).
public protocol BackupItemAction: Sendable {
    func appliesTo() throws -> ResourceSelector
    /// `item` is the object being backed up, `backup` the `velero.io/v1` Backup, both as JSON bytes.
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput
}

/// A RestoreItemAction (Velero kind `RestoreItemAction`, v1).
public protocol RestoreItemAction: Sendable {
    func appliesTo() throws -> ResourceSelector
    /// `item` is the object about to be created (already cleaned by Velero), `itemFromBackup` the object as stored in
    /// the backup, `restore` the `velero.io/v1` Restore, all as JSON bytes.
    func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput
}

/// An ItemBlockAction (Velero kind `ItemBlockAction`, v1; Velero ≥ 1.15).
public protocol ItemBlockAction: Sendable {
    func appliesTo() throws -> ResourceSelector
    /// Objects that must share an ItemBlock with `item`.
    func getRelatedItems(item: [UInt8], backup: [UInt8]) async throws -> [ResourceIdentifier]
}
