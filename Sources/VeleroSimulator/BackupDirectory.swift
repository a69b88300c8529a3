import Foundation
import LosslessJSON

/// A backup in the layout of Velero's tarball, unpacked: `resources/<resource[.group]>/namespaces/<ns>/<name>.json`
/// (`…/cluster/<name>.json` for cluster-scoped objects), the same file again under `<version>-preferredversion/`,
/// `metadata/version` and the Backup itself as `velero-backup.json`.
public enum BackupDirectory {
    public static func write(_ report: BackupReport, catalog: ResourceCatalog = .standard, to directory: String) throws {
        let manager = FileManager.default
        if manager.fileExists(atPath: directory + "/resources") {
            throw SimulationError("\(directory) already holds a backup (resources/ exists); choose an empty directory")
        }
        for key in report.written {
            guard let item = report.records[key]?.after else { continue }
            // Names also come from plugins (an action's additional item): checked before they become a path.
            if let problem = ObjectNames.problem(name: key.name) {
                throw SimulationError("\(key): the name \"\(key.name)\" is not a valid object name (it \(problem)); nothing written for it")
            }
            if key.resource.namespaced, let problem = ObjectNames.problem(namespace: key.namespace) {
                throw SimulationError("\(key): the namespace \"\(key.namespace)\" is not a valid namespace name (it \(problem))")
            }
            if key.resource.groupResource.contains("/") || key.resource.groupResource.hasPrefix(".") {
                throw SimulationError("\(key): the resource \"\(key.resource.groupResource)\" cannot be a folder name")
            }
            let scope = key.resource.namespaced ? "namespaces/\(key.namespace)" : "cluster"
            let bytes = Data(item.sortingKeys().serialized())
            for versionDirectory in ["", "/\(key.resource.version)-preferredversion"] {
                let folder = "\(directory)/resources/\(key.resource.groupResource)\(versionDirectory)/\(scope)"
                try manager.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try bytes.write(to: URL(fileURLWithPath: "\(folder)/\(key.name).json"))
            }
        }
        try manager.createDirectory(atPath: directory + "/metadata", withIntermediateDirectories: true)
        try Data("1.1.0".utf8).write(to: URL(fileURLWithPath: directory + "/metadata/version"))
        try Data(report.backup.serialized()).write(to: URL(fileURLWithPath: directory + "/velero-backup.json"))
    }

    /// One item read back from a backup directory.
    public struct Entry: Sendable {
        public var key: ObjectKey
        public var object: JSONValue
        public var path: String
    }

    /// Reads every item of the non-versioned layout. Resource directories the catalogue does not know are read with
    /// the group and kind the files carry.
    public static func read(_ directory: String, catalog: ResourceCatalog = .standard) throws -> (backupName: String?, entries: [Entry]) {
        let manager = FileManager.default
        let resourcesPath = directory + "/resources"
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: resourcesPath, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SimulationError("\(directory) is not a backup directory (no resources/ folder); write one with `backup --output DIR`")
        }
        var entries: [Entry] = []
        for resourceName in try manager.contentsOfDirectory(atPath: resourcesPath).sorted() {
            let base = resourcesPath + "/" + resourceName
            var scopes: [(namespace: String, folder: String)] = []
            if manager.fileExists(atPath: base + "/cluster") { scopes.append(("", base + "/cluster")) }
            if let namespaces = try? manager.contentsOfDirectory(atPath: base + "/namespaces") {
                for namespace in namespaces.sorted() { scopes.append((namespace, base + "/namespaces/" + namespace)) }
            }
            for (namespace, folder) in scopes {
                for file in try manager.contentsOfDirectory(atPath: folder).sorted() where file.hasSuffix(".json") {
                    let path = folder + "/" + file
                    let object: JSONValue
                    do {
                        object = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
                    } catch {
                        throw SimulationError("\(path): \(error)")
                    }
                    let resource = catalog.resource(groupResource: resourceName) ?? unknownResource(resourceName, object: object, namespaced: !namespace.isEmpty)
                    entries.append(Entry(key: ObjectKey(resource: resource, namespace: namespace, name: String(file.dropLast(5))), object: object, path: path))
                }
            }
        }
        var backupName: String?
        if let data = try? Data(contentsOf: URL(fileURLWithPath: directory + "/velero-backup.json")),
            let backup = try? JSONValue.parse(Array(data))
        {
            backupName = try? backup.string(at: ["metadata", "name"])
        }
        return (backupName, entries)
    }

    /// The Backup stored with the items (`velero-backup.json`), if the directory has one.
    public static func backupObject(_ directory: String) -> JSONValue? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: directory + "/velero-backup.json")) else { return nil }
        return try? JSONValue.parse(Array(data))
    }

    private static func unknownResource(_ groupResource: String, object: JSONValue, namespaced: Bool) -> APIResource {
        let parts = groupResource.split(separator: ".", maxSplits: 1).map(String.init)
        let apiVersion = object.objectValue?["apiVersion"]?.stringValue ?? "v1"
        return APIResource(
            group: parts.count > 1 ? parts[1] : "", version: String(apiVersion.split(separator: "/").last ?? "v1"),
            kind: object.objectValue?["kind"]?.stringValue ?? parts[0], plural: parts[0], namespaced: namespaced)
    }
}
