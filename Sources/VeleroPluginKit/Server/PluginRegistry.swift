import Synchronization

/// Velero's plugin kinds that a plugin binary can serve, in the order a Go server lists them in ListPlugins,
/// which is also the order Velero runs the actions of one binary on an item.
public enum PluginKind: String, Sendable, CaseIterable, Comparable {
    case backupItemAction = "BackupItemAction"
    case backupItemActionV2 = "BackupItemActionV2"
    case restoreItemAction = "RestoreItemAction"
    case restoreItemActionV2 = "RestoreItemActionV2"
    case itemBlockAction = "ItemBlockAction"

    private var order: Int {
        switch self {
        case .backupItemAction: 0
        case .backupItemActionV2: 1
        case .restoreItemAction: 4  // VolumeSnapshotter (2) and ObjectStore (3) sit between in Go's order
        case .restoreItemActionV2: 5
        case .itemBlockAction: 7  // after DeleteItemAction (6)
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.order < rhs.order }

    /// The other version of the same action family (Velero runs a v1 action through its v2 adapter too).
    var versionSibling: PluginKind? {
        switch self {
        case .backupItemAction: .backupItemActionV2
        case .backupItemActionV2: .backupItemAction
        case .restoreItemAction: .restoreItemActionV2
        case .restoreItemActionV2: .restoreItemAction
        case .itemBlockAction: nil
        }
    }
}

/// A registration problem found before the server starts (bad or duplicate name). Velero would refuse to start
/// with such a plugin, so the binary reports it and exits.
public struct RegistrationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// The named actions a plugin binary serves. Instances are created lazily, once per name, on first use (Velero
/// calls AppliesTo on every action of every operation, so factories must be cheap).
public final class PluginRegistry: Sendable {
    public typealias Factory<T> = @Sendable () throws -> T

    private enum Entry: Sendable {
        case backup(Factory<any BackupItemAction>)
        case backupV2(Factory<any BackupItemActionV2>)
        case restore(Factory<any RestoreItemAction>)
        case restoreV2(Factory<any RestoreItemActionV2>)
        case itemBlock(Factory<any ItemBlockAction>)

        var kind: PluginKind {
            switch self {
            case .backup: .backupItemAction
            case .backupV2: .backupItemActionV2
            case .restore: .restoreItemAction
            case .restoreV2: .restoreItemActionV2
            case .itemBlock: .itemBlockAction
            }
        }
    }

    /// Velero keys plugins by kind and name.
    private struct Key: Hashable, Sendable {
        var kind: PluginKind
        var name: String
    }

    private struct State: Sendable {
        var entries: [Key: Entry] = [:]
        var instances: [Key: any Sendable] = [:]
        var problems: [String] = []
        var servingHooks: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func register(backupItemAction name: String, _ factory: @escaping Factory<any BackupItemAction>) {
        add(name, .backup(factory))
    }

    public func register(backupItemActionV2 name: String, _ factory: @escaping Factory<any BackupItemActionV2>) {
        add(name, .backupV2(factory))
    }

    public func register(restoreItemAction name: String, _ factory: @escaping Factory<any RestoreItemAction>) {
        add(name, .restore(factory))
    }

    public func register(restoreItemActionV2 name: String, _ factory: @escaping Factory<any RestoreItemActionV2>) {
        add(name, .restoreV2(factory))
    }

    public func register(itemBlockAction name: String, _ factory: @escaping Factory<any ItemBlockAction>) {
        add(name, .itemBlock(factory))
    }

    private func add(_ name: String, _ entry: Entry) {
        let key = Key(kind: entry.kind, name: name)
        state.withLock { state in
            if let problem = Self.validate(name: name) {
                state.problems.append("invalid plugin name \(name): \(problem)")
            } else if state.entries[key] != nil {
                state.problems.append("plugin \(entry.kind.rawValue) \(name) is registered more than once")
            } else if let sibling = entry.kind.versionSibling, state.entries[Key(kind: sibling, name: name)] != nil {
                // Velero also lists v1 actions under the v2 kind: one name as both would run twice on every item.
                state.problems.append("plugin name \(name) is registered as both \(sibling.rawValue) and \(entry.kind.rawValue)")
            } else {
                state.entries[key] = entry
            }
        }
    }

    /// Work to start in the background once the plugin serves (after the handshake line), such as preparing a client
    /// the first calls will need. Hooks must not write to stdout and must not fail a call: whatever they prepare is
    /// created again, with its error reported, by the call that needs it.
    public func whenServing(_ hook: @escaping @Sendable () -> Void) {
        state.withLock { $0.servingHooks.append(hook) }
    }

    /// Starts the `whenServing` hooks, in order, on a thread of their own (they may block: file reads, thread
    /// creation), so they neither wait for nor hold a worker of Swift's pool, which serves the calls.
    func startServingHooks() {
        let hooks = state.withLock { $0.servingHooks }
        guard !hooks.isEmpty else { return }
        startDetachedThread { for hook in hooks { hook() } }
    }

    /// Registration problems; a non-empty list means the binary must not start serving.
    public func validate() throws {
        let problems = state.withLock { $0.problems }
        if !problems.isEmpty { throw RegistrationError(message: problems.joined(separator: "; ")) }
    }

    /// Identifiers in ListPlugins order: grouped by kind in Go's order, names in byte order within a kind.
    public func identifiers(command: String, including kinds: Set<PluginKind> = Set(PluginKind.allCases))
        -> [PluginIdentifier]
    {
        let entries = state.withLock { state in state.entries.keys.map { ($0.name, $0.kind) } }
        return entries.filter { kinds.contains($0.1) }
            .sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
            .map { PluginIdentifier(command: command, kind: $0.1.rawValue, name: $0.0) }
    }

    func backupItemAction(_ name: String) throws -> (any BackupItemAction)? {
        try instance(Key(kind: .backupItemAction, name: name)) { if case .backup(let f) = $0 { return f } else { return nil } }
    }

    func backupItemActionV2(_ name: String) throws -> (any BackupItemActionV2)? {
        try instance(Key(kind: .backupItemActionV2, name: name)) { if case .backupV2(let f) = $0 { return f } else { return nil } }
    }

    func restoreItemAction(_ name: String) throws -> (any RestoreItemAction)? {
        try instance(Key(kind: .restoreItemAction, name: name)) { if case .restore(let f) = $0 { return f } else { return nil } }
    }

    func restoreItemActionV2(_ name: String) throws -> (any RestoreItemActionV2)? {
        try instance(Key(kind: .restoreItemActionV2, name: name)) { if case .restoreV2(let f) = $0 { return f } else { return nil } }
    }

    func itemBlockAction(_ name: String) throws -> (any ItemBlockAction)? {
        try instance(Key(kind: .itemBlockAction, name: name)) { if case .itemBlock(let f) = $0 { return f } else { return nil } }
    }

    /// The cached instance for `name` if it is registered under the kind `factoryOf` picks, creating it on first use.
    /// The factory runs outside the lock; if two callers race, the first stored instance wins.
    private func instance<T: Sendable>(_ key: Key, _ factoryOf: (Entry) -> Factory<T>?) throws -> T? {
        let (cached, factory): (T?, Factory<T>?) = state.withLock { state in
            guard let entry = state.entries[key], let factory = factoryOf(entry) else { return (nil, nil) }
            return (state.instances[key] as? T, factory)
        }
        if let cached { return cached }
        guard let factory else { return nil }
        let created = try factory()
        return state.withLock { state in
            if let existing = state.instances[key] as? T { return existing }
            state.instances[key] = created
            return created
        }
    }

    /// Velero's name rule, checked by the Go framework and again by Velero at registration:
    /// `<DNS-1123 subdomain>/<non-empty>`, exactly one `/`.
    static func validate(name: String) -> String? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return "must have the form <dns-subdomain>/<name> with exactly one '/'" }
        let prefix = parts[0]
        guard !parts[1].isEmpty else { return "the part after '/' is empty" }
        guard !prefix.isEmpty, prefix.utf8.count <= 253 else { return "the prefix must be 1 to 253 characters" }
        for label in prefix.split(separator: ".", omittingEmptySubsequences: false) {
            let bytes = Array(label.utf8)
            let valid =
                !bytes.isEmpty && bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
                && bytes.first != 45 && bytes.last != 45
            if !valid { return "the prefix \(prefix) is not a lowercase DNS subdomain" }
        }
        return nil
    }
}
