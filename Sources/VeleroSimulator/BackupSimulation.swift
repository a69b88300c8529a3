import FakeKubeAPI
import LosslessJSON
import PluginHost
import VeleroPluginKit

/// What happened to an item the walk reached.
public enum ItemOutcome: Sendable, Equatable {
    case backedUp
    case restored
    case alreadyDone
    case notFound
    case excluded(String)
    case skipped(by: String)
    case failed(String)
}

/// A reference an action returned (an additional or related item) and what became of it.
public struct ItemReference: Sendable {
    public var key: ObjectKey?
    /// The identifier as the plugin returned it, for references the catalogue cannot resolve.
    public var identifier: ResourceIdentifier
    public var action: String
    public var outcome: ItemOutcome
}

/// One item as the backup or restore walk processed it.
public struct ItemRecord: Sendable {
    public var key: ObjectKey
    /// The ItemBlock that backed it up (`nil`: restore, or the finalize phase).
    public var block: Int?
    public var actions: [String] = []
    public var references: [ItemReference] = []
    public var outcome: ItemOutcome = .backedUp
    public var before: JSONValue
    public var after: JSONValue?
    /// Changes the plugin's actions made.
    public var changes: [JSONChange] = []
    /// Changes Velero made around the actions (restore: stripped fields, namespace mapping, restore labels).
    public var veleroChanges: [JSONChange] = []
    /// Target namespace (restore).
    public var targetNamespace: String?
    /// The plugin's log lines at Info and above that name this item (`<Kind> <namespace>/<name>`), as
    /// `velero restore logs` would show them next to it: why an action skipped or rewrote it.
    public var pluginLog: [String] = []
}

/// One ItemBlock: its members in order, and the ItemBlockAction references that formed it.
public struct ItemBlockRecord: Sendable {
    public var number: Int
    public var members: [ObjectKey]
    public var related: [ItemReference]
    /// Members the block loop backed up itself (the others were reached as additional items first).
    public var roots: [ObjectKey]
}

/// The outcome of a simulated backup.
public struct BackupReport: Sendable {
    public var backup: JSONValue
    public var blocks: [ItemBlockRecord] = []
    public var records: [ObjectKey: ItemRecord] = [:]
    /// Keys in the order the items were written to the backup (additional items before the item that named them).
    public var written: [ObjectKey] = []
    /// Items backed up in the finalize phase (the data mover's DataUploads), in order.
    public var finalized: [ObjectKey] = []
    public var warnings: [String] = []
    public var errors: [String] = []
    public var apiRequests = 0

    public var phase: String { errors.isEmpty ? "Completed" : "PartiallyFailed" }
}

/// Velero's backup item walk (1.15+, as in Velero 1.18.1's `pkg/backup/backup.go` and `item_backupper.go`) over an
/// embedded cluster: collect items in discovery order through the backup's filters, form ItemBlocks with Velero's own
/// ItemBlockActions and the plugin's, back each item up by running Velero's own BackupItemActions and then the
/// plugin's, follow additional items at once, before the next action runs, and back up at the end what the
/// asynchronous operations leave (a data mover's DataUploads). Velero's own actions are modelled in
/// `VeleroBackupBuiltIns.swift`; docs/host-cli.md lists what is not modelled.
public final class BackupSimulation {
    let host: PluginHost
    let actions: PluginActions
    let cluster: EmbeddedCluster
    let spec: BackupSpec
    let catalog: ResourceCatalog
    let selector: LabelSelector
    /// `--features=EnableCSI` on the simulated Velero server.
    let csiEnabled: Bool
    var report: BackupReport
    private let backupBytes: [UInt8]
    private var inBlock: Set<ObjectKey> = []
    /// The block being formed: its members in order and the references that formed it.
    private var blockMembers: [ObjectKey] = []
    private var blockRelated: [ItemReference] = []
    /// Items the asynchronous operations hand back for the finalize phase, in order.
    private var finalizeItems: [ObjectKey] = []

    public init(
        host: PluginHost, actions: PluginActions, cluster: EmbeddedCluster, spec: BackupSpec, catalog: ResourceCatalog = .standard,
        csiEnabled: Bool = true
    ) throws {
        self.host = host
        self.actions = actions
        self.cluster = cluster
        self.spec = spec
        // Kinds the catalog lacks (from CRDs among the manifests, or guessed) are backed up like any other.
        self.catalog = catalog.including(cluster.objects.map(\.resource))
        self.csiEnabled = csiEnabled
        do {
            selector = try LabelSelector(spec.selector)
        } catch {
            throw SimulationError("invalid backup label selector \"\(spec.selector)\": \(error)")
        }
        let backup = try spec.json()
        backupBytes = backup.serialized()
        report = BackupReport(backup: backup)
    }

    var context: BackupContext {
        BackupContext(
            backupName: spec.name, backupNamespace: spec.namespace, backupUID: spec.uid, spec: spec, csiEnabled: csiEnabled,
            catalog: catalog, object: { [cluster] in cluster.object($0) }, objectsOf: { [cluster] in cluster.objects(of: $0, in: $1) })
    }

    /// The items Velero's collector returns, in its order: resources in discovery order, namespaces and names in
    /// list order; namespace, resource and label filters applied. Cluster-scoped objects only for an all-namespace
    /// backup, except the Namespace objects of the included namespaces.
    public func collect() -> [ManifestObject] {
        var result: [ManifestObject] = []
        for resource in catalog.backupOrder where spec.resources.includes(resource) {
            let objects = cluster.objects.filter { $0.resource == resource }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
            for object in objects {
                if resource.namespaced {
                    guard spec.namespaces.includes(object.namespace) else { continue }
                } else if resource.kind == "Namespace" {
                    guard spec.namespaces.includes(object.name) else { continue }
                } else if !spec.namespaces.includesAll {
                    continue
                }
                guard selector.matches(object.object.labels) else { continue }
                result.append(object)
            }
        }
        return result
    }

    public func run() async -> BackupReport {
        cluster.server.resetRequests()
        for object in collect() where !inBlock.contains(object.key) {
            await backUpBlock(startingWith: object)
        }
        // FinalizeBackup: the operations' items (DataUploads) are backed up with must-include, whatever the filters.
        for key in finalizeItems where report.records[key] == nil {
            report.finalized.append(key)
            _ = await backUpItem(key, block: nil, additional: true, mustInclude: true)
        }
        report.apiRequests = cluster.server.requests.count
        return report
    }

    // MARK: - ItemBlocks

    private func backUpBlock(startingWith object: ManifestObject) async {
        blockMembers = []
        blockRelated = []
        inBlock.insert(object.key)
        await addToBlock(object.key)
        let number = report.blocks.count + 1
        var roots: [ObjectKey] = []
        let members = blockMembers
        report.blocks.append(ItemBlockRecord(number: number, members: members, related: blockRelated, roots: []))
        for key in members where report.records[key] == nil {
            roots.append(key)
            _ = await backUpItem(key, block: number, additional: false)
        }
        report.blocks[number - 1].roots = roots
    }

    /// `executeItemBlockActions`: an item, then each related item followed at once by its own related items (depth
    /// first); an item already in a block is neither moved nor followed. Velero's own actions run before the plugin's.
    private func addToBlock(_ key: ObjectKey) async {
        blockMembers.append(key)
        guard let member = cluster.object(key) else { return }
        var found = VeleroItemBlockActions.related(to: member, context)
        for action in actions.itemBlock where action.applies(to: key.resource, namespace: key.namespace, labels: member.object.labels) {
            do {
                found.append((action.name, try await host.getRelatedItems(name: action.name, item: member.object.sortingKeys().serialized(), backup: backupBytes)))
            } catch {
                report.errors.append("Error running ItemBlockAction \(action.name) for \(key): \(Self.message(error))")
            }
        }
        for (action, identifiers) in found {
            for identifier in identifiers {
                var reference = ItemReference(key: nil, identifier: identifier, action: action, outcome: .backedUp)
                guard let resource = catalog.resource(group: identifier.group, plural: identifier.resource) else {
                    reference.outcome = .notFound
                    report.warnings.append("Related item \(identifier) of \(key) is of a resource the preview does not know")
                    blockRelated.append(reference)
                    continue
                }
                let relatedKey = ObjectKey(resource: resource, namespace: identifier.namespace, name: identifier.name)
                reference.key = relatedKey
                if inBlock.contains(relatedKey) {
                    reference.outcome = .alreadyDone
                    blockRelated.append(reference)
                } else if let relatedObject = cluster.object(relatedKey) {
                    inBlock.insert(relatedKey)
                    if let reason = exclusion(of: relatedObject) {
                        reference.outcome = .excluded(reason)
                        blockRelated.append(reference)
                    } else {
                        blockRelated.append(reference)
                        await addToBlock(relatedKey)
                    }
                } else {
                    reference.outcome = .notFound
                    report.warnings.append("Related item was not found in Kubernetes API, can't add to item block: \(relatedKey) (from \(action) for \(key))")
                    blockRelated.append(reference)
                }
            }
        }
    }

    // MARK: - Items

    /// Velero's inclusion checks for items reached through actions: the exclude label, then the namespace and
    /// resource filters (cluster-scoped objects are dropped only when explicitly excluded).
    func exclusion(of object: ManifestObject) -> String? {
        if object.object.labels["velero.io/exclude-from-backup"] == "true" { return "labelled velero.io/exclude-from-backup=true" }
        if object.resource.namespaced {
            if !spec.namespaces.includes(object.namespace) { return "namespace \(object.namespace) is not included" }
            if !spec.resources.includes(object.resource) { return "resource \(object.resource) is not included" }
        } else if spec.resources.excluded.contains(where: { object.resource.isNamed(by: $0) }) {
            return "resource \(object.resource) is excluded"
        }
        return nil
    }

    /// One step of `executeActions`: a Velero action (by name) or one of the plugin's.
    private enum Step {
        case velero(String)
        case plugin(RegisteredAction)

        var name: String {
            switch self {
            case .velero(let name): name
            case .plugin(let action): action.name
            }
        }
    }

    /// `backupItem`: the inclusion checks (unless `mustInclude`, which a CSI action sets for what it returns), then
    /// every action that applies, Velero's own first; each action's additional items are backed up before the next
    /// action runs.
    private func backUpItem(_ key: ObjectKey, block: Int?, additional: Bool, mustInclude: Bool = false) async -> ItemOutcome {
        if report.records[key] != nil { return .alreadyDone }
        guard let object = cluster.object(key) else { return .notFound }
        var record = ItemRecord(key: key, block: block, before: object.object)
        let excluded: String? =
            if mustInclude { nil }
            else if additional { exclusion(of: object) }
            else if object.object.labels["velero.io/exclude-from-backup"] == "true" { "labelled velero.io/exclude-from-backup=true" }
            else { nil }
        if let excluded {
            record.outcome = .excluded(excluded)
            report.records[key] = record
            return record.outcome
        }
        report.records[key] = record
        var item = object.object
        var steps = VeleroBackupItemActions.applying(to: key.resource, csiEnabled: csiEnabled).map(Step.velero)
        steps += actions.backup.filter { $0.applies(to: key.resource, namespace: key.namespace, labels: item.labels) }.map(Step.plugin)
        for step in steps {
            var additionalItems: [ResourceIdentifier]
            var childrenMustInclude = false
            switch step {
            case .velero(let name):
                let result = VeleroBackupItemActions.execute(name, item: item, key: key, context)
                for created in result.created { cluster.add(created) }
                finalizeItems += result.finalizeItems
                record.actions.append(name)
                if let error = result.error {
                    report.errors.append("Error backing up item \(key): error executing custom action (groupResource=\(key.resource), namespace=\(key.namespace), name=\(key.name)): \(error)")
                    record.outcome = .failed(error)
                    report.records[key] = record
                    return record.outcome
                }
                item = result.item
                additionalItems = result.additionalItems
                childrenMustInclude = name == VeleroBackupItemActions.csiClaim || name == VeleroBackupItemActions.csiSnapshot
            case .plugin(let action):
                let response: BackupExecuteResponse
                do {
                    response = try await host.backupExecute(
                        name: action.name, item: item.sortingKeys().serialized(), backup: backupBytes, v2: action.kind == .backupItemActionV2)
                } catch {
                    let message = "error executing custom action (groupResource=\(key.resource), namespace=\(key.namespace), name=\(key.name)): \(Self.message(error))"
                    report.errors.append("Error backing up item \(key): \(message)")
                    record.actions.append(action.name)
                    record.outcome = .failed(message)
                    report.records[key] = record
                    return record.outcome
                }
                record.actions.append(action.name)
                if let updated = try? JSONValue.parse(response.item) {
                    item = updated
                } else {
                    report.errors.append("Error backing up item \(key): \(action.name) returned an item that is not JSON")
                }
                additionalItems = response.additionalItems
            }
            for identifier in additionalItems {
                var reference = ItemReference(key: nil, identifier: identifier, action: step.name, outcome: .notFound)
                if let resource = catalog.resource(group: identifier.group, plural: identifier.resource) {
                    let child = ObjectKey(resource: resource, namespace: identifier.namespace, name: identifier.name)
                    reference.key = child
                    report.records[key] = record
                    reference.outcome = await backUpItem(child, block: block, additional: true, mustInclude: childrenMustInclude)
                    if reference.outcome == .notFound {
                        report.warnings.append("Additional item was not found in Kubernetes API, can't back it up: \(child) (returned by \(step.name) for \(key))")
                    }
                } else {
                    report.warnings.append("Additional item \(identifier) of \(key) is of a resource the preview does not know")
                }
                record.references.append(reference)
            }
        }
        record.after = item
        record.changes = JSONDiff.changes(from: object.object, to: item)
        report.records[key] = record
        report.written.append(key)
        return .backedUp
    }

    static func message(_ error: any Error) -> String {
        if let call = error as? PluginCallError { return "rpc error: code = \(GRPCCode.name(call.code)) desc = \(call.message)" }
        return "\(error)"
    }
}
