import FakeKubeAPI
import LosslessJSON
import PluginHost
import VeleroPluginKit

/// The outcome of a simulated restore.
public struct RestoreReport: Sendable {
    public var restore: JSONValue
    public var backupName: String
    public var records: [ObjectKey: ItemRecord] = [:]
    /// Keys in the order Velero handled them.
    public var order: [ObjectKey] = []
    /// Objects Velero's own actions created in the restore cluster (DataDownloads, DataUpload results).
    public var created: [String] = []
    public var warnings: [String] = []
    public var errors: [String] = []
    /// Outcomes of Velero's own rules worth knowing that are neither warnings nor errors in Velero (an object
    /// restored whatever the selector says, with nothing to bind to).
    public var notes: [String] = []
    /// The Restore's label selector as text (empty: everything).
    public var selector = ""

    public var phase: String { errors.isEmpty ? "Completed" : "PartiallyFailed" }
}

/// Velero's restore walk over a backup directory: resources in restore priority order, each item cleaned the way
/// Velero cleans it (status and server-set metadata removed, original namespace kept), restore item actions run in
/// order (a skip ends the item), additional items restored at once, then the namespace mapping and the restore
/// labels applied.
public final class RestoreSimulation {
    /// Velero's default `restoreResourcePriorities` (high part; the low part names resources a VM backup never has).
    public static let priorities = [
        "customresourcedefinitions", "namespaces", "storageclasses", "volumesnapshotclass.snapshot.storage.k8s.io",
        "volumesnapshotcontents.snapshot.storage.k8s.io", "volumesnapshots.snapshot.storage.k8s.io", "datauploads.velero.io",
        "persistentvolumes", "persistentvolumeclaims", "serviceaccounts", "secrets", "configmaps", "limitranges", "pods",
        "replicasets.apps", "clusterclasses.cluster.x-k8s.io", "endpoints", "services",
    ]

    /// Metadata fields Velero removes before restore item actions run.
    public static let strippedMetadata = [
        "generateName", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "ownerReferences",
    ]

    let host: PluginHost
    let actions: PluginActions
    let spec: RestoreSpec
    let entries: [ObjectKey: BackupDirectory.Entry]
    /// The backup's items by the identifier actions name them with (group, plural resource, namespace, name).
    let keysByIdentifier: [ResourceIdentifier: ObjectKey]
    let ordered: [BackupDirectory.Entry]
    private let restoreBytes: [UInt8]
    var report: RestoreReport

    let cluster: EmbeddedCluster?
    let catalog: ResourceCatalog
    let builtIns: RestoreContext
    /// `--features=EnableCSI` on the simulated Velero server.
    let csiEnabled: Bool

    /// `cluster`, when given, is the target cluster: every restored item is created in it, so later actions that
    /// read the cluster (the persistent-state PVC lookup of a VM) see what Velero restored before them.
    public init(
        host: PluginHost, actions: PluginActions, spec: RestoreSpec, entries: [BackupDirectory.Entry], cluster: EmbeddedCluster? = nil,
        catalog: ResourceCatalog = .standard, backup: JSONValue? = nil, csiEnabled: Bool = true
    ) {
        self.host = host
        self.cluster = cluster
        self.catalog = catalog
        self.actions = actions
        self.spec = spec
        self.csiEnabled = csiEnabled
        var byKey: [ObjectKey: BackupDirectory.Entry] = [:]
        var byIdentifier: [ResourceIdentifier: ObjectKey] = [:]
        for entry in entries {
            byKey[entry.key] = entry
            byIdentifier[Self.identifier(entry.key)] = entry.key
        }
        self.entries = byKey
        keysByIdentifier = byIdentifier
        var builtIns = RestoreContext(spec: spec, backup: backup, entries: byKey, catalog: catalog)
        if let cluster {
            builtIns.storageClasses = ChangeStorageClassConfig(cluster: cluster, veleroNamespace: "velero", catalog: catalog)
        }
        self.builtIns = builtIns
        let rank = { (resource: APIResource) -> (Int, String) in
            (Self.priorities.firstIndex(of: resource.groupResource) ?? Self.priorities.count, resource.groupResource)
        }
        ordered = entries.sorted { a, b in
            let (ra, rb) = (rank(a.key.resource), rank(b.key.resource))
            if ra != rb { return ra < rb }
            return (a.key.namespace, a.key.name) < (b.key.namespace, b.key.name)
        }
        let restore = spec.json()
        restoreBytes = restore.serialized()
        report = RestoreReport(restore: restore, backupName: spec.backupName)
        report.selector = ([spec.selector] + spec.orSelectors.map { "(\($0))" }).filter { !$0.isEmpty }.joined(separator: " or ")
    }

    public func run() async -> RestoreReport {
        let logged = host.process.stderrLines.count
        let selector: LabelSelector
        let orSelectors: [LabelSelector]
        do {
            selector = try LabelSelector(spec.selector)
            orSelectors = try spec.orSelectors.map { try LabelSelector($0) }
        } catch {
            // Velero's restore controller refuses such a Restore before it restores anything.
            report.errors.append("invalid label selector in the Restore: \(error)")
            return report
        }
        // getSelectedRestoreableItems: the selector, then — when given — at least one of the orLabelSelectors.
        func selected(_ labels: [String: String]) -> Bool {
            selector.matches(labels) && (orSelectors.isEmpty || orSelectors.contains { $0.matches(labels) })
        }
        for entry in ordered where included(entry.key) && (Self.mustHave.contains(entry.key.resource.groupResource)
            || selected(entry.object.labels))
        {
            _ = await restoreItem(entry.key)
        }
        report.notes += unboundSnapshotContents()
        report.notes += snapshotsOnAnotherDriver()
        await attachPluginLog(from: logged)
        return report
    }

    static func identifier(_ key: ObjectKey) -> ResourceIdentifier {
        ResourceIdentifier(group: key.resource.group, resource: key.resource.plural, namespace: key.namespace, name: key.name)
    }

    /// The backup's item `group`/`resource` `namespace/name`, if the backup holds it.
    func entry(group: String, resource: String, namespace: String = "", name: String) -> BackupDirectory.Entry? {
        keysByIdentifier[ResourceIdentifier(group: group, resource: resource, namespace: namespace, name: name)].flatMap { entries[$0] }
    }

    /// A PVC restored from a CSI VolumeSnapshot onto a storage class of another CSI driver (a change-storage-class
    /// restore): only the driver that took a snapshot can restore it, so the PVC would stay Pending.
    private func snapshotsOnAnotherDriver() -> [String] {
        guard let cluster, let classes = catalog.resource(group: "storage.k8s.io", plural: "storageclasses") else { return [] }
        var provisioners: [String: String] = [:]
        for storageClass in cluster.objects(of: classes) {
            if let provisioner = (try? storageClass.object.string(at: ["provisioner"])) ?? nil { provisioners[storageClass.name] = provisioner }
        }
        var notes: [String] = []
        for key in report.order where key.resource.group.isEmpty && key.resource.plural == "persistentvolumeclaims" {
            guard let record = report.records[key], record.outcome == .restored, let restored = record.after,
                (try? restored.string(at: ["spec", "dataSource", "kind"])) ?? nil == "VolumeSnapshot",
                let storageClass = (try? restored.string(at: ["spec", "storageClassName"])) ?? nil,
                let provisioner = provisioners[storageClass],
                let snapshotName = (try? entries[key]?.object.string(at: ["metadata", "annotations", "velero.io/volume-snapshot-name"])) ?? nil,
                let snapshot = entry(group: "snapshot.storage.k8s.io", resource: "volumesnapshots", namespace: key.namespace, name: snapshotName),
                let contentName = (try? snapshot.object.string(at: ["status", "boundVolumeSnapshotContentName"])) ?? nil,
                let content = entry(group: "snapshot.storage.k8s.io", resource: "volumesnapshotcontents", name: contentName),
                let driver = (try? content.object.string(at: ["spec", "driver"])) ?? nil, driver != provisioner
            else { continue }
            notes.append(
                "\(key) is restored from VolumeSnapshot \(key.namespace)/\(snapshotName) of CSI driver \(driver) onto StorageClass "
                    + "\(storageClass) of \(provisioner): only the driver that took a snapshot can restore it, so the claim would stay "
                    + "Pending. Map onto a class of the same driver, or back up with the data mover (snapshotMoveData).")
        }
        return notes
    }

    /// VolumeSnapshotContents are in `resourceMustHave`: Velero restores every one of the backup, whatever the
    /// filters and the label selector, also those whose VolumeSnapshot this restore does not bring back (another
    /// VM's disk in a single-VM restore, another namespace's). Such a content binds to nothing.
    private func unboundSnapshotContents() -> [String] {
        var notes: [String] = []
        for key in report.order where key.resource.groupResource == "volumesnapshotcontents.snapshot.storage.k8s.io" {
            guard report.records[key]?.outcome == .restored, let backedUp = entries[key]?.object,
                let namespace = (try? backedUp.string(at: ["spec", "volumeSnapshotRef", "namespace"])) ?? nil,
                let name = (try? backedUp.string(at: ["spec", "volumeSnapshotRef", "name"])) ?? nil
            else { continue }
            let snapshot = entry(group: "snapshot.storage.k8s.io", resource: "volumesnapshots", namespace: namespace, name: name)
            let snapshotRestored = snapshot.map { report.records[$0.key]?.outcome == .restored } ?? false
            if !snapshotRestored {
                notes.append(
                    "\(key) is restored (Velero restores every VolumeSnapshotContent of a backup, resourceMustHave) but its "
                        + "VolumeSnapshot \(namespace)/\(name) is not: nothing binds it. It may be deleted after the restore; "
                        + "its deletionPolicy is Retain, so the storage snapshot stays.")
            }
        }
        return notes
    }

    /// The plugin's Info-and-above lines since `start` that name an item (`<Kind> <namespace>/<name>`, or `<Kind>
    /// <name>` when cluster-scoped), attached to that item. Each line is read once: each pair of adjacent words is
    /// looked up among the items (`db` must not match `db-clone`: a name ends at a space, `:` or `,`). The plugin
    /// writes its log in batches a few milliseconds apart, so the walk's last lines are waited for.
    private func attachPluginLog(from start: Int) async {
        try? await Task.sleep(for: .milliseconds(50))
        let lines = host.process.stderrLines.dropFirst(start).compactMap(PluginLogLine.init)
            .filter { ["info", "warning", "error"].contains($0.level) }.map(\.message)
        guard !lines.isEmpty else { return }
        var keys: [String: ObjectKey] = [:]
        for key in report.order {
            keys["\(key.resource.kind) \(key.resource.namespaced ? key.namespace + "/" : "")\(key.name)"] = key
        }
        for line in lines {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            var named: Set<ObjectKey> = []
            for index in words.indices.dropLast() {
                let name = words[index + 1]
                let trimmed = name.last == ":" || name.last == "," ? name.dropLast() : name[...]
                guard let key = keys["\(words[index]) \(trimmed)"], named.insert(key).inserted else { continue }
                report.records[key]?.pluginLog.append(line)
            }
        }
    }

    /// `resourceMustHave` (`pkg/restore/restore.go`): restored whatever the filters and the label selector say.
    static let mustHave: Set<String> = ["datauploads.velero.io", "volumesnapshotcontents.snapshot.storage.k8s.io"]

    func included(_ key: ObjectKey) -> Bool {
        if Self.mustHave.contains(key.resource.groupResource) { return true }
        guard spec.resources.includes(key.resource) else { return false }
        return key.resource.namespaced ? spec.namespaces.includes(key.namespace) : true
    }

    /// The item as restore item actions receive it.
    public static func cleaned(_ object: JSONValue) -> JSONValue {
        var item = object
        _ = item.removeValue(at: ["status"])
        for field in strippedMetadata { _ = item.removeValue(at: ["metadata", .key(field)]) }
        return item
    }

    private func restoreItem(_ key: ObjectKey) async -> ItemOutcome {
        if report.records[key] != nil { return .alreadyDone }
        guard let entry = entries[key] else { return .notFound }
        // `restoreItem` checks the filters again for additional items, but not the label selector.
        guard included(key) else {
            return .excluded(spec.resources.includes(key.resource) ? "namespace is excluded" : "resource is excluded")
        }
        let original = entry.object
        let cleaned = Self.cleaned(original)
        var record = ItemRecord(key: key, before: cleaned)
        report.records[key] = record
        report.order.append(key)
        if key.resource.group.isEmpty, key.resource.plural == "persistentvolumes",
            let reason = VeleroRestoreItemActions.reprovisionReason(original, builtIns)
        {
            record.outcome = .skipped(by: "Velero: \(reason)")
            report.records[key] = record
            return record.outcome
        }
        var item = cleaned
        let fromBackup = original.sortingKeys().serialized()
        var steps: [(name: String, plugin: RegisteredAction?)] =
            VeleroRestoreItemActions.applying(to: key.resource, csiEnabled: csiEnabled).map { ($0, nil) }
        steps += actions.restore.filter { $0.applies(to: key.resource, namespace: key.namespace, labels: item.labels) }.map { ($0.name, $0) }
        for (name, plugin) in steps {
            var response = RestoreExecuteResponse(item: [], additionalItems: [], skipRestore: false)
            if let action = plugin {
                do {
                    response = try await host.restoreExecute(
                        name: action.name, item: item.sortingKeys().serialized(), itemFromBackup: fromBackup, restore: restoreBytes,
                        v2: action.kind == .restoreItemActionV2)
                } catch {
                    let message = "error preparing \(key.resource)/\(key.namespace)/\(key.name): \(BackupSimulation.message(error))"
                    report.errors.append(message)
                    record.actions.append(action.name)
                    record.outcome = .failed(message)
                    report.records[key] = record
                    return record.outcome
                }
                if let updated = try? JSONValue.parse(response.item) { item = updated }
            } else {
                let result = VeleroRestoreItemActions.execute(name, item: item, fromBackup: original, key: key, builtIns)
                if let error = result.error {
                    let message = "error preparing \(key.resource)/\(key.namespace)/\(key.name): \(error)"
                    report.errors.append(message)
                    record.actions.append(name)
                    record.outcome = .failed(message)
                    report.records[key] = record
                    return record.outcome
                }
                item = result.item
                response.additionalItems = result.additionalItems
                response.skipRestore = result.skipRestore
                for object in result.created {
                    let kind = (try? object.string(at: ["kind"])) ?? nil ?? "?"
                    let namespace = (try? object.string(at: ["metadata", "namespace"])) ?? nil ?? ""
                    let objectName = (try? object.string(at: ["metadata", "name"])) ?? nil ?? ""
                    report.created.append("\(kind) \(namespace)/\(objectName) (by \(name) for \(key))")
                }
            }
            record.actions.append(name)
            for identifier in response.additionalItems {
                var reference = ItemReference(key: nil, identifier: identifier, action: name, outcome: .notFound)
                if let child = keysByIdentifier[identifier] {
                    reference.key = child
                    report.records[key] = record
                    reference.outcome = await restoreItem(child)
                } else {
                    reference.key = catalog.resource(group: identifier.group, plural: identifier.resource).map {
                        ObjectKey(resource: $0, namespace: identifier.namespace, name: identifier.name)
                    }
                    let named = reference.key?.description ?? identifier.description
                    // Velero's warning is the error of its stat of the item's file in the unpacked backup
                    // (`archive.GetItemFilePath`; restore.go, "unable to restore additional item").
                    let scope = identifier.namespace.isEmpty ? "cluster" : "namespaces/\(identifier.namespace)"
                    let group = identifier.group.isEmpty ? identifier.resource : "\(identifier.resource).\(identifier.group)"
                    report.warnings.append(
                        "unable to restore additional item \(named) (returned by \(name) for \(key)): stat "
                            + "resources/\(group)/\(scope)/\(identifier.name).json: no such file or directory")
                }
                record.references.append(reference)
            }
            if response.skipRestore {
                record.outcome = .skipped(by: name)
                record.changes = JSONDiff.changes(from: cleaned, to: item)
                report.records[key] = record
                return record.outcome
            }
        }
        record.changes = JSONDiff.changes(from: cleaned, to: item)
        var final = item
        if key.resource.namespaced {
            let target = spec.targetNamespace(for: key.namespace)
            record.targetNamespace = target
            try? final.setValue(.string(target), at: ["metadata", "namespace"])
        } else if key.resource.kind == "Namespace" {
            record.targetNamespace = spec.targetNamespace(for: key.name)
            try? final.setValue(.string(spec.targetNamespace(for: key.name)), at: ["metadata", "name"])
        }
        try? final.setValue(.string(Self.labelValue(spec.backupName)), at: ["metadata", "labels", "velero.io/backup-name"])
        try? final.setValue(.string(Self.labelValue(spec.name)), at: ["metadata", "labels", "velero.io/restore-name"])
        record.after = final
        record.veleroChanges = JSONDiff.changes(from: original, to: cleaned) + JSONDiff.changes(from: item, to: final)
        record.outcome = .restored
        report.records[key] = record
        if let cluster, key.resource.namespaced {
            cluster.server.store.add(
                final, kind: ObjectStore.Kind(groupVersion: key.resource.apiVersion, resource: key.resource.plural),
                namespace: record.targetNamespace ?? key.namespace, name: key.name)
        }
        return .restored
    }

    /// Velero's `label.GetValidName`: values longer than 63 characters are cut to 57 plus a 6-character hash.
    static func labelValue(_ value: String) -> String {
        guard value.utf8.count > 63 else { return value }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in value.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(value.prefix(57)) + String(String(hash, radix: 16).prefix(6))
    }
}
