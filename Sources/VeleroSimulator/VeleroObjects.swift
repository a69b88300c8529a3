import FakeKubeAPI
import Foundation
import LosslessJSON

/// Velero's include/exclude lists for namespaces: names or globs (`*`, `?`), `*` = all, empty include = all,
/// excludes win.
public struct NamespaceFilter: Sendable, Equatable {
    public var included: [String]
    public var excluded: [String]

    public init(included: [String] = [], excluded: [String] = []) {
        self.included = included
        self.excluded = excluded
    }

    public var includesAll: Bool { included.isEmpty || included.contains("*") }

    public func includes(_ namespace: String) -> Bool {
        if excluded.contains(where: { Glob.matches($0, namespace) }) { return false }
        return includesAll || included.contains { Glob.matches($0, namespace) }
    }
}

/// Velero's include/exclude lists for resources (`pods`, `vm`, `virtualmachines.kubevirt.io`, `*`): empty include =
/// all, excludes win, an entry no resource answers to matches nothing.
public struct ResourceFilter: Sendable, Equatable {
    public var included: [String]
    public var excluded: [String]

    public init(included: [String] = [], excluded: [String] = []) {
        self.included = included
        self.excluded = excluded
    }

    public func includes(_ resource: APIResource) -> Bool {
        if excluded.contains(where: { $0 != "*" && resource.isNamed(by: $0) }) { return false }
        return included.isEmpty || included.contains { resource.isNamed(by: $0) }
    }
}

enum Glob {
    /// Shell-style match of `*` (any run) and `?` (one character).
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern)
        let t = Array(text)
        var pi = 0, ti = 0, star = -1, mark = 0
        while ti < t.count {
            if pi < p.count, p[pi] == "?" || p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == "*" {
                star = pi
                mark = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                mark += 1
                ti = mark
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == "*" { pi += 1 }
        return pi == p.count
    }
}

/// The parts of a Velero Backup the simulated walk and the plugin use.
public struct BackupSpec: Sendable {
    public var name = "preview-backup"
    public var labels: [(String, String)] = []
    public var namespaces = NamespaceFilter()
    public var resources = ResourceFilter()
    /// `spec.labelSelector` as selector text (`app=web,tier in (a,b)`); empty selects everything.
    public var selector = ""
    public var snapshotMoveData = false
    /// `spec.snapshotVolumes`: `false` takes no volume snapshots; unset or `true` lets CSI snapshot each PVC.
    public var snapshotVolumes: Bool? = nil
    public var namespace = "velero"

    public init() {}

    /// Reads a `velero.io/v1` Backup manifest (YAML or JSON).
    public init(file: String) throws(ManifestError) {
        let object = try VeleroManifest.read(file, kind: "Backup")
        let location = SourceLocation(file: file, line: nil)
        name = object.metadata["name"]?.stringValue ?? name
        labels = object.labels
        let spec = object.spec
        namespaces = NamespaceFilter(included: spec.strings("includedNamespaces"), excluded: spec.strings("excludedNamespaces"))
        resources = ResourceFilter(
            included: spec.strings("includedResources") + spec.strings("includedNamespaceScopedResources"),
            excluded: spec.strings("excludedResources") + spec.strings("excludedNamespaceScopedResources"))
        if let selector = spec["labelSelector"] {
            do {
                self.selector = try LabelSelector(metav1: selector).text
            } catch {
                throw ManifestError(location, "spec.labelSelector: \(error)")
            }
        }
        snapshotMoveData = spec["snapshotMoveData"]?.boolValue ?? false
        snapshotVolumes = spec["snapshotVolumes"]?.boolValue
        namespace = object.metadata["namespace"]?.stringValue ?? namespace
    }

    /// The Backup's uid as the preview makes it up (stable for a name).
    public var uid: String { Generated.uid(seed: "backup/" + name) }

    /// The Backup as Velero marshals it for plugins (keys sorted, empty lists omitted).
    public func json() throws -> JSONValue {
        var spec = JSONObject()
        if !namespaces.excluded.isEmpty { spec["excludedNamespaces"] = .array(namespaces.excluded.map(JSONValue.string)) }
        if !resources.excluded.isEmpty { spec["excludedResources"] = .array(resources.excluded.map(JSONValue.string)) }
        if !namespaces.included.isEmpty { spec["includedNamespaces"] = .array(namespaces.included.map(JSONValue.string)) }
        if !resources.included.isEmpty { spec["includedResources"] = .array(resources.included.map(JSONValue.string)) }
        if !selector.isEmpty { spec["labelSelector"] = try LabelSelector(selector).metav1JSON }
        if snapshotMoveData { spec["snapshotMoveData"] = .bool(true) }
        if let snapshotVolumes { spec["snapshotVolumes"] = .bool(snapshotVolumes) }
        spec["storageLocation"] = "default"
        spec["ttl"] = "720h0m0s"
        return VeleroManifest.object(kind: "Backup", name: name, labels: labels, spec: spec).sortingKeys()
    }
}

/// The parts of a Velero Restore the simulated walk and the plugin use.
public struct RestoreSpec: Sendable {
    public var name = "preview-restore"
    public var backupName = "preview-backup"
    /// Labels on the Restore: the plugin's flags (`velero.kubevirt.io/clear-mac-address`, …).
    public var labels: [(String, String)] = []
    public var namespaceMapping: [(String, String)] = []
    public var namespaces = NamespaceFilter()
    public var resources = ResourceFilter()
    /// `spec.labelSelector` as selector text; empty selects everything. Velero applies it when it collects the
    /// backup's items, not to additional items (`getSelectedRestoreableItems`, pkg/restore/restore.go).
    public var selector = ""
    /// `spec.orLabelSelectors` as selector texts: an item is collected when it matches any (Velero refuses a Restore
    /// with both kinds of selector).
    public var orSelectors: [String] = []

    public init() {}

    /// Reads a `velero.io/v1` Restore manifest (YAML or JSON).
    public init(file: String) throws(ManifestError) {
        let object = try VeleroManifest.read(file, kind: "Restore")
        if let selector = object.spec["labelSelector"] {
            do {
                self.selector = try LabelSelector(metav1: selector).text
            } catch {
                throw ManifestError(SourceLocation(file: file, line: nil), "spec.labelSelector: \(error)")
            }
        }
        for (index, selector) in (object.spec["orLabelSelectors"]?.arrayValue ?? []).enumerated() {
            do {
                orSelectors.append(try LabelSelector(metav1: selector).text)
            } catch {
                throw ManifestError(SourceLocation(file: file, line: nil), "spec.orLabelSelectors[\(index)]: \(error)")
            }
        }
        name = object.metadata["name"]?.stringValue ?? name
        labels = object.labels
        let spec = object.spec
        backupName = spec["backupName"]?.stringValue ?? backupName
        namespaceMapping = (spec["namespaceMapping"]?.objectValue?.members ?? []).compactMap { member in
            member.value.stringValue.map { (member.key, $0) }
        }
        namespaces = NamespaceFilter(included: spec.strings("includedNamespaces"), excluded: spec.strings("excludedNamespaces"))
        resources = ResourceFilter(included: spec.strings("includedResources"), excluded: spec.strings("excludedResources"))
    }

    /// The Restore's uid as the preview makes it up (stable for a name); Velero's CSI actions name restored
    /// snapshots after it.
    public var uid: String { Generated.uid(seed: "restore/" + name) }

    public func targetNamespace(for namespace: String) -> String {
        namespaceMapping.first { $0.0 == namespace }?.1 ?? namespace
    }

    public func json() -> JSONValue {
        var spec: JSONObject = ["backupName": .string(backupName)]
        if !namespaces.excluded.isEmpty { spec["excludedNamespaces"] = .array(namespaces.excluded.map(JSONValue.string)) }
        if !resources.excluded.isEmpty { spec["excludedResources"] = .array(resources.excluded.map(JSONValue.string)) }
        if !namespaces.included.isEmpty { spec["includedNamespaces"] = .array(namespaces.included.map(JSONValue.string)) }
        if !resources.included.isEmpty { spec["includedResources"] = .array(resources.included.map(JSONValue.string)) }
        if !selector.isEmpty, let labelSelector = try? LabelSelector(selector).metav1JSON { spec["labelSelector"] = labelSelector }
        let orSelectorObjects = orSelectors.compactMap { try? LabelSelector($0).metav1JSON }
        if !orSelectorObjects.isEmpty { spec["orLabelSelectors"] = .array(orSelectorObjects) }
        if !namespaceMapping.isEmpty {
            var mapping = JSONObject()
            for (from, to) in namespaceMapping { mapping[from] = .string(to) }
            spec["namespaceMapping"] = .object(mapping)
        }
        return VeleroManifest.object(kind: "Restore", name: name, labels: labels, spec: spec).sortingKeys()
    }
}

/// Reading and writing the Velero custom resources themselves.
enum VeleroManifest {
    struct Parsed {
        var metadata: JSONObject
        var labels: [(String, String)]
        var spec: JSONObject
    }

    static func read(_ file: String, kind: String) throws(ManifestError) -> Parsed {
        let location = SourceLocation(file: file, line: nil)
        let documents = try ManifestLoader.documents(bytes: try ManifestLoader.read(file), file: file)
        guard let value = documents.first(where: { !$0.0.isNull })?.0 else { throw ManifestError(location, "the file is empty") }
        guard let object = value.objectValue, object["kind"]?.stringValue == kind else {
            throw ManifestError(location, "expected a velero.io/v1 \(kind)")
        }
        let metadata = object["metadata"]?.objectValue ?? JSONObject()
        let labels = (metadata["labels"]?.objectValue?.members ?? []).map { ($0.key, $0.value.stringValue ?? $0.value.compactText) }
        return Parsed(metadata: metadata, labels: labels, spec: object["spec"]?.objectValue ?? JSONObject())
    }

    static func object(kind: String, name: String, labels: [(String, String)], spec: JSONObject) -> JSONValue {
        var metadata: JSONObject = ["name": .string(name), "namespace": "velero"]
        if !labels.isEmpty {
            var object = JSONObject()
            for (key, value) in labels { object[key] = .string(value) }
            metadata["labels"] = .object(object)
        }
        return ["apiVersion": "velero.io/v1", "kind": .string(kind), "metadata": .object(metadata), "spec": .object(spec)]
    }
}

extension JSONObject {
    func strings(_ key: String) -> [String] {
        (self[key]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
