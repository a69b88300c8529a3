import Foundation
import Logging
import SchemaCheck
import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// Parses JSON text written in a test; a typo in a test literal fails loudly. A VirtualMachine,
/// VirtualMachineInstance, DataVolume or DataSource must match KubeVirt's and CDI's published API
/// (`SchemaExtract`): keys a test puts there on purpose are listed in `deliberatelyUnknown` (paths such as
/// `$.spec.x-custom`), and an object that is broken on purpose says why in `malformed`.
func json(
    _ text: String, deliberatelyUnknown: Set<String> = [], malformed: String? = nil,
    sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> JSONValue {
    let value: JSONValue
    do {
        value = try JSONValue.parse(text)
    } catch {
        Issue.record("bad JSON in test: \(error)", sourceLocation: sourceLocation)
        return .null
    }
    if malformed == nil {
        for violation in SchemaExtract.repository.violations(of: value, deliberatelyUnknown: deliberatelyUnknown) {
            Issue.record("test object does not match the published API: \(violation)", sourceLocation: sourceLocation)
        }
    }
    return value
}

func bytes(_ value: JSONValue) -> [UInt8] { value.serialized() }
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// A `velero.io/v1` Backup with the given resource lists and labels.
func backup(
    included: [String] = [], excluded: [String] = [], includedScoped: [String] = [], excludedScoped: [String] = [],
    labels: [String: String] = [:]
) -> [UInt8] {
    var spec = JSONObject()
    func list(_ names: [String]) -> JSONValue { .array(names.map { .string($0) }) }
    if !included.isEmpty { spec["includedResources"] = list(included) }
    if !excluded.isEmpty { spec["excludedResources"] = list(excluded) }
    if !includedScoped.isEmpty { spec["includedNamespaceScopedResources"] = list(includedScoped) }
    if !excludedScoped.isEmpty { spec["excludedNamespaceScopedResources"] = list(excludedScoped) }
    var labelObject = JSONObject()
    for (key, value) in labels.sorted(by: { $0.key < $1.key }) { labelObject[key] = .string(value) }
    let backup: JSONValue = [
        "apiVersion": "velero.io/v1", "kind": "Backup",
        "metadata": ["name": "test-backup", "namespace": "velero", "labels": .object(labelObject)],
        "spec": .object(spec),
    ]
    return backup.serialized()
}

/// A `velero.io/v1` Restore with the given labels and namespace mapping.
func restore(labels: [String: String] = [:], namespaceMapping: [String: String] = [:]) -> [UInt8] {
    var labelObject = JSONObject()
    for (key, value) in labels.sorted(by: { $0.key < $1.key }) { labelObject[key] = .string(value) }
    var spec: JSONObject = ["backupName": "test-backup"]
    if !namespaceMapping.isEmpty {
        var mapping = JSONObject()
        for (from, to) in namespaceMapping.sorted(by: { $0.key < $1.key }) { mapping[from] = .string(to) }
        spec["namespaceMapping"] = .object(mapping)
    }
    let restore: JSONValue = [
        "apiVersion": "velero.io/v1", "kind": "Restore",
        "metadata": ["name": "test-restore", "namespace": "velero", "labels": .object(labelObject)],
        "spec": .object(spec),
    ]
    return restore.serialized()
}

func filter(included: [String] = [], excluded: [String] = []) -> BackupResourceFilter {
    BackupResourceFilter(includedResources: included, excludedResources: excluded)
}

/// The actions wired to one fake cluster and one log capture, as the plugin binary wires them.
struct Harness {
    let reader: FakeClusterReader
    let logs = LogCapture()
    let cluster: ClusterCache

    init(_ reader: FakeClusterReader = FakeClusterReader()) {
        self.reader = reader
        cluster = ClusterCache(reader: reader)
    }

    var dvBackup: DVBackupItemAction { DVBackupItemAction(cluster: cluster, logger: logs.logger) }
    var pvcBackup: PVCBackupItemAction { PVCBackupItemAction(cluster: cluster, logger: logs.logger) }
    var vmBackup: VMBackupItemAction { VMBackupItemAction(cluster: cluster, logger: logs.logger) }
    var vmiBackup: VMIBackupItemAction { VMIBackupItemAction(cluster: cluster, logger: logs.logger) }
    var volumeSnapshotBackup: VolumeSnapshotBackupItemAction {
        VolumeSnapshotBackupItemAction(cluster: cluster, logger: logs.logger)
    }
    var controllerRevisionRestore: ControllerRevisionRestoreAction { ControllerRevisionRestoreAction(logger: logs.logger) }
    var dvRestore: DVRestoreItemAction { DVRestoreItemAction(cluster: cluster, logger: logs.logger) }
    var nadRestore: NADRestoreItemAction { NADRestoreItemAction(logger: logs.logger) }
    var podRestore: PodRestorePlugin { PodRestorePlugin(logger: logs.logger) }
    var pvcRestore: PVCRestoreItemAction { PVCRestoreItemAction(logger: logs.logger) }
    var poolRestore: VMPoolRestoreItemAction { VMPoolRestoreItemAction(cluster: cluster, logger: logs.logger) }
    var vmRestore: VMRestorePlugin { VMRestorePlugin(cluster: cluster, logger: logs.logger) }
    var vmiRestore: VMIRestorePlugin { VMIRestorePlugin(cluster: cluster, logger: logs.logger) }
    var volumeSnapshotRestore: VolumeSnapshotRestoreItemAction { VolumeSnapshotRestoreItemAction(logger: logs.logger) }
    var itemBlock: VMItemBlockAction { VMItemBlockAction(cluster: cluster, logger: logs.logger) }
    var backupGraph: BackupGraph { BackupGraph(cluster: cluster, logger: logs.logger) }
    var restoreGraph: RestoreGraph { RestoreGraph(cluster: cluster, logger: logs.logger) }
    var restorePossibility: RestorePossibility { RestorePossibility(cluster: cluster, logger: logs.logger) }

    func backupItem(_ action: some BackupItemAction, _ item: JSONValue, backup backupBytes: [UInt8] = backup())
        async throws -> (item: JSONValue, extras: [ResourceIdentifier], output: BackupItemActionOutput)
    {
        let request = bytes(item)
        let output = try await action.execute(item: request, backup: backupBytes)
        return (try JSONValue.parse(output.updatedItem ?? request), output.additionalItems, output)
    }

    func restoreItem(_ action: some RestoreItemAction, _ item: JSONValue, restore restoreBytes: [UInt8] = restore())
        async throws -> (item: JSONValue, output: RestoreItemActionOutput)
    {
        let request = bytes(item)
        let output = try await action.execute(item: request, itemFromBackup: request, restore: restoreBytes)
        return (try JSONValue.parse(output.updatedItem ?? request), output)
    }
}

/// Expects `body` to throw an error whose message starts with `prefix` (D6, docs/decisions.md) and contains every
/// `details` text.
func expectError(
    startingWith prefix: String, containing details: [String] = [], sourceLocation: Testing.SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected an error starting with \"\(prefix)\", got success", sourceLocation: sourceLocation)
    } catch {
        let message = "\(error)"
        #expect(message.hasPrefix(prefix), "error \"\(message)\" should start with \"\(prefix)\"", sourceLocation: sourceLocation)
        for detail in details {
            #expect(message.contains(detail), "error \"\(message)\" should contain \"\(detail)\"", sourceLocation: sourceLocation)
        }
    }
}

/// Compares extras as sets (the reference plugin tests do).
func expectSameSet(_ actual: [ResourceIdentifier], _ expected: [ResourceIdentifier], sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    #expect(Set(actual) == Set(expected), "extras \(actual) should equal \(expected) as a set", sourceLocation: sourceLocation)
}

func labels(of item: JSONValue) -> JSONObject { (try? item.object(at: ["metadata", "labels"])) ?? JSONObject() }
func annotations(of item: JSONValue) -> JSONObject { (try? item.object(at: ["metadata", "annotations"])) ?? JSONObject() }

enum Fixtures {
    /// `Tests/Fixtures`, found from this file's real location (the dev package reaches the tests through a symlink).
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func load(_ name: String) -> JSONValue {
        let url = directory.appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            Issue.record("missing fixture \(url.path)")
            return .null
        }
        do {
            return try JSONValue.parse([UInt8](data))
        } catch {
            Issue.record("fixture \(name) is not valid JSON: \(error)")
            return .null
        }
    }

    static func raw(_ name: String) -> [UInt8] {
        let url = directory.appendingPathComponent(name)
        return FileManager.default.contents(atPath: url.path).map { [UInt8]($0) } ?? []
    }
}

extension JSONValue {
    /// A copy with `value` stored at `path` (test convenience).
    func with(_ path: JSONPath, _ value: JSONValue) -> JSONValue {
        var copy = self
        do { try copy.setValue(value, at: path) } catch { Issue.record("cannot set \(path): \(error)") }
        return copy
    }

    func without(_ path: JSONPath) -> JSONValue {
        var copy = self
        copy.removeValue(at: path)
        return copy
    }
}

/// The graphs take a checked `VirtualMachineItem`; tests hand them objects and expect the same D5 error an action
/// gives for a VM without a template.
extension BackupGraph {
    func virtualMachine(_ vm: KubernetesObject) async throws(ActionError) -> GraphResult {
        try await virtualMachine(VirtualMachineItem(vm))
    }
}

extension RestoreGraph {
    func virtualMachine(_ vm: KubernetesObject) async throws(ActionError) -> GraphResult {
        try await virtualMachine(VirtualMachineItem(vm))
    }
}
