import Foundation
import LosslessJSON
import Yams

/// Where an object came from, for messages: `examples/demo/vm.yaml:12`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public init(file: String, line: Int?) {
        self.file = file
        self.line = line
    }
    public var description: String { line.map { "\(file):\($0)" } ?? file }
}

/// A manifest that cannot be used, with the file (and line, when the parser knows it) that holds it.
public struct ManifestError: Error, Sendable, CustomStringConvertible {
    public var location: SourceLocation
    public var reason: String
    public init(_ location: SourceLocation, _ reason: String) {
        self.location = location
        self.reason = reason
    }
    public var description: String { "\(location): \(reason)" }
}

/// One Kubernetes object read from a manifest.
public struct ManifestObject: Sendable {
    public var object: JSONValue
    public var resource: APIResource
    public var namespace: String
    public var name: String
    public var location: SourceLocation

    public init(object: JSONValue, resource: APIResource, namespace: String, name: String, location: SourceLocation) {
        self.object = object
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.location = location
    }

    public var key: ObjectKey { ObjectKey(resource: resource, namespace: namespace, name: name) }
}

/// Identity of an object in the simulated cluster or a backup.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var resource: APIResource
    public var namespace: String
    public var name: String

    public init(resource: APIResource, namespace: String, name: String) {
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    /// `VirtualMachine demo/fedora` (`Namespace demo` for cluster-scoped objects).
    public var description: String { resource.kind + " " + (namespace.isEmpty ? name : namespace + "/" + name) }

    public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
        (a.resource.groupResource, a.namespace, a.name) < (b.resource.groupResource, b.namespace, b.name)
    }
}

/// Reads manifests the way `kubectl apply -f` accepts them: YAML (several documents per file) or JSON, `kind: List`
/// wrappers as `kubectl get -o yaml` writes them, and directories (files ending in .yaml, .yml or .json, in name
/// order, recursively). Numbers keep their literal text; YAML-only scalars (timestamps, `0x1F`) become what
/// Kubernetes would store. Unknown kinds, objects without a name and duplicates are errors naming file and line.
public struct ManifestLoader: Sendable {
    public var catalog: ResourceCatalog
    /// The namespace given to namespaced objects without one (`kubectl apply -n`).
    public var defaultNamespace: String

    public init(catalog: ResourceCatalog = .standard, defaultNamespace: String = "default") {
        self.catalog = catalog
        self.defaultNamespace = defaultNamespace
    }

    public func load(paths: [String]) throws(ManifestError) -> [ManifestObject] {
        var objects: [ManifestObject] = []
        var seen: [ObjectKey: SourceLocation] = [:]
        let files = try files(paths)
        // CustomResourceDefinitions among the manifests describe their kinds, wherever they are in the list.
        var loader = self
        for file in files {
            for (document, _) in try Self.documents(bytes: try Self.read(file), file: file) {
                loader.catalog = loader.catalog.including(definedBy: document)
            }
        }
        for file in files {
            for object in try loader.load(file: file) {
                if let first = seen[object.key] {
                    throw ManifestError(object.location, "duplicate object \(object.key) (first defined at \(first))")
                }
                seen[object.key] = object.location
                objects.append(object)
            }
        }
        return objects
    }

    func files(_ paths: [String]) throws(ManifestError) -> [String] {
        var result: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ManifestError(SourceLocation(file: path, line: nil), "no such file or directory")
            }
            if !isDirectory.boolValue {
                result.append(path)
                continue
            }
            guard let enumerator = manager.enumerator(atPath: path) else {
                throw ManifestError(SourceLocation(file: path, line: nil), "cannot read the directory")
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                if [".yaml", ".yml", ".json"].contains(where: relative.hasSuffix) { found.append(path + "/" + relative) }
            }
            if found.isEmpty {
                throw ManifestError(SourceLocation(file: path, line: nil), "no .yaml, .yml or .json files in the directory")
            }
            result.append(contentsOf: found.sorted())
        }
        return result
    }

    public func load(file: String) throws(ManifestError) -> [ManifestObject] {
        try load(bytes: try Self.read(file), file: file)
    }

    /// The bytes of `file`, or an error naming it.
    static func read(_ file: String) throws(ManifestError) -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw ManifestError(SourceLocation(file: file, line: nil), "cannot read: \(error.localizedDescription)")
        }
    }

    /// Parses one file's content; `file` names it in errors.
    public func load(bytes: [UInt8], file: String) throws(ManifestError) -> [ManifestObject] {
        var objects: [ManifestObject] = []
        for (document, line) in try Self.documents(bytes: bytes, file: file) {
            try flatten(document, location: SourceLocation(file: file, line: line), into: &objects)
        }
        return objects
    }

    /// The documents of one file with the line each starts on: JSON through the lossless parser, YAML (several
    /// documents) through Yams. Empty YAML documents are `null`.
    static func documents(bytes: [UInt8], file: String) throws(ManifestError) -> [(JSONValue, Int?)] {
        let firstSignificant = bytes.first { ![UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains($0) }
        // JSON is read with the lossless parser; a YAML file may also start with `{` (flow style), so that is only
        // tried as JSON first.
        if firstSignificant == UInt8(ascii: "{"), !file.hasSuffix(".json"), let value = try? JSONValue.parse(bytes) {
            return [(value, 1)]
        }
        if file.hasSuffix(".json") {
            do {
                return [(try JSONValue.parse(bytes), 1)]
            } catch {
                throw ManifestError(SourceLocation(file: file, line: line(ofOffset: error.offset, in: bytes)), "invalid JSON: \(error.reason)")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ManifestError(SourceLocation(file: file, line: nil), "not UTF-8 text")
        }
        var documents: [(JSONValue, Int?)] = []
        do {
            // Parser.nextRoot throws on a broken document (iterating compose_all would just stop there).
            let parser = try Parser(yaml: text)
            while let node = try parser.nextRoot() {
                documents.append((try YAMLConversion.json(node, file: file), node.mark?.line))
            }
        } catch let error as ManifestError {
            throw error
        } catch let error as YamlError {
            throw YAMLConversion.manifestError(error, file: file)
        } catch {
            throw ManifestError(SourceLocation(file: file, line: nil), "invalid YAML: \(error)")
        }
        return documents
    }

    private func flatten(_ document: JSONValue, location: SourceLocation, into objects: inout [ManifestObject]) throws(ManifestError) {
        if document.isNull { return }  // an empty YAML document
        guard let object = document.objectValue else {
            throw ManifestError(location, "a manifest must be an object, found \(document.kind)")
        }
        guard let kind = object["kind"]?.stringValue, !kind.isEmpty else { throw ManifestError(location, "object has no kind") }
        if kind == "List" || (kind.hasSuffix("List") && object["items"] != nil) {
            guard let items = object["items"]?.arrayValue else { throw ManifestError(location, "\(kind) without an items array") }
            for item in items { try flatten(item, location: location, into: &objects) }
            return
        }
        guard let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty else {
            throw ManifestError(location, "\(kind) has no apiVersion")
        }
        guard let metadata = object["metadata"]?.objectValue else { throw ManifestError(location, "\(kind) has no metadata") }
        guard let name = metadata["name"]?.stringValue, !name.isEmpty else {
            throw ManifestError(location, "\(kind) has no metadata.name")
        }
        if let problem = ObjectNames.problem(kind: kind) { throw ManifestError(location, "kind \"\(kind)\" \(problem)") }
        if let problem = ObjectNames.problem(apiVersion: apiVersion) {
            throw ManifestError(location, "\(kind) \(name): apiVersion \"\(apiVersion)\" \(problem)")
        }
        if let problem = ObjectNames.problem(name: name) {
            throw ManifestError(location, "\(kind): metadata.name \"\(name)\" is not a valid object name: it \(problem)")
        }
        // A kind neither the catalog nor a CRD among the manifests describes: Velero backs it up all the same, so its
        // plural and scope are guessed (marked `guessed`, which the output shows).
        let resource = catalog.resource(apiVersion: apiVersion, kind: kind)
            ?? APIResource.guessed(apiVersion: apiVersion, kind: kind, namespaced: !(metadata["namespace"]?.stringValue ?? "").isEmpty)
        var value = document
        var namespace = ""
        if resource.namespaced {
            namespace = metadata["namespace"]?.stringValue ?? ""
            if namespace.isEmpty {
                namespace = defaultNamespace
                try? value.setValue(.string(namespace), at: ["metadata", "namespace"])
            }
            if let problem = ObjectNames.problem(namespace: namespace) {
                throw ManifestError(location, "\(kind) \(name): namespace \"\(namespace)\" is not a valid namespace name: it \(problem)")
            }
        }
        objects.append(ManifestObject(object: value, resource: resource, namespace: namespace, name: name, location: location))
    }

    static func line(ofOffset offset: Int, in bytes: [UInt8]) -> Int {
        1 + bytes.prefix(max(0, min(offset, bytes.count))).reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
    }
}

/// YAML nodes → JSON values, as the API server would store what `kubectl apply` sends.
enum YAMLConversion {
    static func json(_ node: Node, file: String) throws(ManifestError) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            return self.scalar(scalar, node: node)
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            for element in sequence { elements.append(try json(element, file: file)) }
            return .array(elements)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ManifestError(SourceLocation(file: file, line: key.mark?.line), "a mapping key must be a scalar")
                }
                object[keyScalar.string] = try json(value, file: file)
            }
            return .object(object)
        case .alias:
            throw ManifestError(SourceLocation(file: file, line: node.mark?.line), "YAML aliases are not supported in manifests")
        }
    }

    private static func scalar(_ scalar: Node.Scalar, node: Node) -> JSONValue {
        let text = scalar.string
        switch node.tag.rawValue {
        case Tag.Name.null.rawValue:
            return .null
        case Tag.Name.bool.rawValue:
            return node.bool.map(JSONValue.bool) ?? .string(text)
        case Tag.Name.int.rawValue:
            if let number = JSONNumber(literal: text) { return .number(number) }
            return node.int.map { .number(JSONNumber($0)) } ?? .string(text)
        case Tag.Name.float.rawValue:
            if let number = JSONNumber(literal: text) { return .number(number) }
            if let value = node.float, value.isFinite, let number = JSONNumber(literal: "\(value)") { return .number(number) }
            return .string(text)
        default:
            // str, timestamp (Kubernetes keeps timestamps as strings), binary and custom tags keep their text.
            return .string(text)
        }
    }

    static func manifestError(_ error: YamlError, file: String) -> ManifestError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return ManifestError(SourceLocation(file: file, line: mark.line), "invalid YAML: \(detail) (column \(mark.column))")
        case .reader(let problem, _, _, _):
            return ManifestError(SourceLocation(file: file, line: nil), "invalid YAML: \(problem)")
        default:
            return ManifestError(SourceLocation(file: file, line: nil), "invalid YAML: \(error)")
        }
    }
}
