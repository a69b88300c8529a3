import Foundation
import LosslessJSON

/// The key names and JSON types of KubeVirt's and CDI's published API (`Tests/Schema/kubevirt-cdi-schema.json`,
/// extracted from their `api/openapi-spec/swagger.json` by `tools/schema/extract-schema.py`), and a check of an
/// object against them: a key the API does not define, or a value of the wrong JSON type, is a violation naming its
/// path. Fixtures, examples and inline test objects are held to it, so a test object cannot carry a key a real API
/// server would drop (the way `userDataSecretRef` hid a lost cloud-init Secret).
///
/// `null` is accepted for every type, as Go's decoder accepts it (`creationTimestamp: null` is what clusters
/// return inside templates).
public struct SchemaExtract: Sendable {
    public struct Violation: Sendable, CustomStringConvertible {
        /// `$.spec.template.spec.volumes[2].cloudInitNoCloud.userDataSecretRef`.
        public let path: String
        public let problem: String
        public var description: String { "\(path): \(problem)" }
    }

    /// Kind → root definition (`VirtualMachine` → `kubevirt:v1.VirtualMachine`).
    public let roots: [String: String]
    /// `repository@commit` of each source document.
    public let sources: [String]
    private let definitions: [String: JSONValue]

    /// The extract kept in the repository.
    public static let repository: SchemaExtract = {
        do {
            return try SchemaExtract(contentsOf: SchemaFiles.root.appendingPathComponent("Tests/Schema/kubevirt-cdi-schema.json"))
        } catch {
            fatalError("cannot load the schema extract: \(error)")
        }
    }()

    public init(contentsOf url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SchemaError("cannot read \(url.path)")
        }
        let document = try JSONValue.parse([UInt8](data))
        var roots: [String: String] = [:]
        for member in (try document.object(at: ["roots"]))?.members ?? [] {
            roots[member.key] = member.value.stringValue
        }
        var definitions: [String: JSONValue] = [:]
        for member in (try document.object(at: ["definitions"]))?.members ?? [] {
            definitions[member.key] = member.value
        }
        self.roots = roots
        self.definitions = definitions
        self.sources = ((try document.array(at: ["sources"])) ?? []).map { source in
            "\((try? source.string(at: ["repository"])) ?? nil ?? "?")@\((try? source.string(at: ["commit"])) ?? nil ?? "?")"
        }
        for (kind, root) in roots where definitions[root] == nil {
            throw SchemaError("root \(root) of \(kind) is not among the definitions")
        }
    }

    /// Whether `kind` is one of the kinds the extract describes.
    public func describes(kind: String) -> Bool { roots[kind] != nil }

    /// The violations of `object`, checked against the root of its `kind` (none for a kind the extract does not
    /// describe). `deliberatelyUnknown` lists the paths of unknown keys a test puts there on purpose; each must be
    /// unknown, or it is reported too (a stale marker).
    public func violations(of object: JSONValue, deliberatelyUnknown: Set<String> = []) -> [Violation] {
        guard let kind = (try? object.string(at: ["kind"])) ?? nil, let root = roots[kind] else {
            return deliberatelyUnknown.sorted().map { Violation(path: $0, problem: "marked unknown, but the object is not of a described kind") }
        }
        return violations(of: object, definition: root, deliberatelyUnknown: deliberatelyUnknown)
    }

    /// The violations of `value` against the named definition (e.g. `kubevirt:v1.VirtualMachineSpec` for the VM
    /// copy inside a ControllerRevision).
    public func violations(
        of value: JSONValue, definition: String, deliberatelyUnknown: Set<String> = []
    ) -> [Violation] {
        var found: [Violation] = []
        var unknownSeen: Set<String> = []
        check(value, against: ["ref": .string(definition)], path: "$", into: &found) { path in
            if deliberatelyUnknown.contains(path) {
                unknownSeen.insert(path)
                return true
            }
            return false
        }
        for stale in deliberatelyUnknown.subtracting(unknownSeen).sorted() {
            found.append(Violation(path: stale, problem: "marked deliberately unknown, but it is not an unknown key here"))
        }
        return found
    }

    private func check(
        _ value: JSONValue, against type: JSONValue, path: String, into found: inout [Violation],
        isDeliberate: (String) -> Bool
    ) {
        if case .null = value { return }
        if let reference = (try? type.string(at: ["ref"])) ?? nil {
            guard let definition = definitions[reference] else {
                found.append(Violation(path: path, problem: "schema has no definition \(reference)"))
                return
            }
            check(value, against: definition, path: path, into: &found, isDeliberate: isDeliberate)
            return
        }
        let expected = ((try? type.string(at: ["type"])) ?? nil) ?? "any"
        func wrongType(_ what: String) {
            found.append(Violation(path: path, problem: "expected \(what), found \(Self.describe(value))"))
        }
        switch expected {
        case "any":
            return
        case "string":
            if value.stringValue == nil { wrongType("a string") }
        case "boolean":
            if case .bool = value {} else { wrongType("a boolean") }
        case "number":
            if case .number = value {} else { wrongType("a number") }
        case "integer":
            if case .number(let number) = value, Self.isIntegerLiteral(number.literal) {} else { wrongType("an integer") }
        case "int-or-string":
            if case .number(let number) = value, Self.isIntegerLiteral(number.literal) { return }
            if value.stringValue == nil { wrongType("an integer or a string") }
        case "quantity":
            if case .number = value { return }
            if value.stringValue == nil { wrongType("a quantity (string or number)") }
        case "array":
            guard let elements = value.arrayValue else { return wrongType("an array") }
            let items = (try? type.value(at: ["items"])) ?? ["type": "any"]
            for (index, element) in elements.enumerated() {
                check(element, against: items, path: "\(path)[\(index)]", into: &found, isDeliberate: isDeliberate)
            }
        case "map":
            guard let object = value.objectValue else { return wrongType("an object (map)") }
            let values = (try? type.value(at: ["values"])) ?? ["type": "any"]
            for member in object.members {
                check(member.value, against: values, path: Self.append(member.key, to: path), into: &found, isDeliberate: isDeliberate)
            }
        case "object":
            guard let object = value.objectValue else { return wrongType("an object") }
            let properties = ((try? type.object(at: ["properties"])) ?? nil) ?? JSONObject()
            for member in object.members {
                let memberPath = Self.append(member.key, to: path)
                guard let propertyType = properties[member.key] else {
                    if !isDeliberate(memberPath) {
                        found.append(Violation(path: memberPath, problem: "unknown key (not in the published API)"))
                    }
                    continue
                }
                check(member.value, against: propertyType, path: memberPath, into: &found, isDeliberate: isDeliberate)
            }
        default:
            found.append(Violation(path: path, problem: "schema type \(expected) is not understood"))
        }
    }

    private static func append(_ key: String, to path: String) -> String {
        let plain = !key.isEmpty && key.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
        }
        return plain ? "\(path).\(key)" : "\(path)[\"\(key)\"]"
    }

    private static func isIntegerLiteral(_ literal: String) -> Bool {
        !literal.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    private static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number(let number): "the number \(number.literal)"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

public struct SchemaError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The repository's root, found from this file's real location.
public enum SchemaFiles {
    public static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
