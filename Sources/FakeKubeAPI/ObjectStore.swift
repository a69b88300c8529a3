import LosslessJSON
import Synchronization

/// The objects a `FakeKubeAPIServer` serves, addressed like the API server addresses them:
/// `/api/v1/namespaces/{ns}/{resource}[/{name}]` and `/apis/{group}/{version}/namespaces/{ns}/{resource}[/{name}]`,
/// and without `namespaces/{ns}` for cluster-scoped objects (and LISTs across namespaces).
/// LISTs honour `labelSelector` (equality, inequality, set-based, existence) and paginate with `limit`/`continue`.
public final class ObjectStore: Sendable {
    /// `group/version` ("v1" for the core group) + plural resource.
    public struct Kind: Hashable, Sendable {
        public var groupVersion: String
        public var resource: String
        public init(groupVersion: String, resource: String) {
            self.groupVersion = groupVersion
            self.resource = resource
        }
    }

    struct Entry: Sendable {
        var namespace: String
        var name: String
        var labels: [String: String]
        var bytes: [UInt8]
    }

    /// Entries per kind in insertion order (LIST order), and each entry's position by `namespace/name`.
    private struct Stored {
        var entries: [Kind: [Entry]] = [:]
        var positions: [Kind: [String: Int]] = [:]
    }
    private let objects = Mutex(Stored())

    public init() {}

    /// Well-known kinds → plural resource names (what `kubectl get -o yaml` manifests need to be served).
    public static let resources: [String: String] = [
        "Pod": "pods", "PersistentVolumeClaim": "persistentvolumeclaims", "Secret": "secrets", "ConfigMap": "configmaps",
        "ServiceAccount": "serviceaccounts", "VirtualMachine": "virtualmachines",
        "VirtualMachineInstance": "virtualmachineinstances", "DataVolume": "datavolumes",
        "ControllerRevision": "controllerrevisions", "VolumeSnapshot": "volumesnapshots",
        "NetworkAttachmentDefinition": "network-attachment-definitions",
        "VirtualMachineInstancetype": "virtualmachineinstancetypes", "VirtualMachinePreference": "virtualmachinepreferences",
    ]

    public struct InvalidObject: Error, CustomStringConvertible {
        public var description: String
    }

    /// Adds (or replaces) an object given as JSON; kind, apiVersion, metadata.name and namespace are required.
    @discardableResult
    public func add(_ bytes: [UInt8]) throws -> Kind {
        let value = try JSONValue.parse(bytes)
        guard let object = value.objectValue, let kindName = object["kind"]?.stringValue,
            let apiVersion = object["apiVersion"]?.stringValue, let metadata = object["metadata"]?.objectValue,
            let name = metadata["name"]?.stringValue
        else { throw InvalidObject(description: "an object needs kind, apiVersion and metadata.name") }
        guard let resource = Self.resources[kindName] else {
            throw InvalidObject(description: "kind \(kindName) is not served by the fake API")
        }
        let kind = Kind(groupVersion: apiVersion, resource: resource)
        add(value, kind: kind, namespace: metadata["namespace"]?.stringValue ?? "", name: name)
        return kind
    }

    /// Adds (or replaces) an object under an explicit resource (for kinds outside `resources`).
    public func add(_ value: JSONValue, kind: Kind, namespace: String, name: String) {
        var labels: [String: String] = [:]
        for member in (try? value.object(at: ["metadata", "labels"]))?.members ?? [] {
            if let text = member.value.stringValue { labels[member.key] = text }
        }
        let entry = Entry(namespace: namespace, name: name, labels: labels, bytes: value.serialized())
        objects.withLock { stored in
            let key = namespace + "/" + name
            if let index = stored.positions[kind]?[key] {
                stored.entries[kind]![index] = entry
            } else {
                stored.positions[kind, default: [:]][key] = stored.entries[kind, default: []].count
                stored.entries[kind, default: []].append(entry)
            }
        }
    }

    public var count: Int { objects.withLock { $0.entries.values.reduce(0) { $0 + $1.count } } }

    // MARK: - Serving

    func answer(path: String, query: [String: String]) -> FakeKubeAPIServer.Answer {
        let parts = path.split(separator: "/").map(String.init)
        let groupVersion: String
        var rest: ArraySlice<String>
        if parts.first == "api", parts.count >= 2 {
            groupVersion = parts[1]
            rest = parts.dropFirst(2)
        } else if parts.first == "apis", parts.count >= 3 {
            groupVersion = parts[1] + "/" + parts[2]
            rest = parts.dropFirst(3)
        } else {
            return notFound("the server could not find the requested resource")
        }
        // `namespaces/{ns}/{resource}`, or `{resource}` alone: a cluster-scoped object (stored under namespace "") or a
        // LIST across all namespaces.
        let namespace: String?
        let resource: String
        if rest.first == "namespaces", rest.count <= 2 {
            // The Namespace objects themselves (cluster-scoped): `namespaces` or `namespaces/{name}`.
            namespace = nil
            resource = "namespaces"
            rest = rest.dropFirst()
        } else if rest.first == "namespaces", rest.count >= 3 {
            namespace = rest[rest.startIndex + 1]
            resource = rest[rest.startIndex + 2]
            rest = rest.dropFirst(3)
        } else if let first = rest.first, first != "namespaces" {
            namespace = nil
            resource = first
            rest = rest.dropFirst()
        } else {
            return notFound("the server could not find the requested resource")
        }
        let kind = Kind(groupVersion: groupVersion, resource: resource)
        let group = groupVersion.contains("/") ? "." + groupVersion.split(separator: "/")[0] : ""
        if let name = rest.first {
            let found = objects.withLock { stored in
                stored.positions[kind]?[(namespace ?? "") + "/" + name].map { stored.entries[kind]![$0] }
            }
            guard let entry = found else {
                return notFound("\(resource)\(group) \"\(name)\" not found", name: name, kind: resource)
            }
            return FakeKubeAPIServer.Answer(status: 200, body: entry.bytes)
        }
        let entries = objects.withLock { $0.entries[kind] ?? [] }.filter { namespace == nil || $0.namespace == namespace }

        let selector: LabelSelector
        do {
            selector = try LabelSelector(query["labelSelector"] ?? "")
        } catch {
            return FakeKubeAPIServer.Answer(status: 400, body: Self.status(code: 400, reason: "BadRequest", message: "\(error)"))
        }
        let matching = entries.filter { selector.matches($0.labels) }
        let offset = query["continue"].flatMap(Int.init) ?? 0
        let limit = query["limit"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil } ?? Int.max
        let page = matching.dropFirst(offset).prefix(limit)
        let next = offset + page.count < matching.count ? String(offset + page.count) : ""
        var body = Array(#"{"apiVersion":"\#(groupVersion)","items":["#.utf8)
        for (index, entry) in page.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: entry.bytes)
        }
        body.append(contentsOf: Array(#"],"kind":"List","metadata":{"continue":"\#(next)","resourceVersion":"1"}}"#.utf8))
        return FakeKubeAPIServer.Answer(status: 200, body: body)
    }

    private func notFound(_ message: String, name: String = "", kind: String = "") -> FakeKubeAPIServer.Answer {
        FakeKubeAPIServer.Answer(status: 404, body: Self.status(code: 404, reason: "NotFound", message: message))
    }

    /// A `metav1.Status` body.
    static func status(code: Int, reason: String, message: String) -> [UInt8] {
        let value: JSONValue = [
            "apiVersion": "v1", "code": .number(JSONNumber(code)), "kind": "Status", "message": .string(message),
            "metadata": [:], "reason": .string(reason), "status": "Failure",
        ]
        return value.serialized()
    }
}

/// A Kubernetes label selector: `a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, comma = AND.
public struct LabelSelector: Sendable {
    enum Requirement: Sendable {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
        case notExists(String)
        case isIn(String, Set<String>)
        case notIn(String, Set<String>)
    }

    public struct ParseError: Error, CustomStringConvertible {
        public var description: String
    }

    let requirements: [Requirement]
    /// The selector as given (`app=web,tier in (a,b)`).
    public let text: String

    public init(_ text: String) throws {
        self.text = text
        var requirements: [Requirement] = []
        for clause in Self.clauses(text) {
            let trimmed = clause.trimmingSpaces
            if trimmed.isEmpty { continue }
            if let range = trimmed.firstRange(of: " notin ") ?? trimmed.firstRange(of: " in ") {
                let key = String(trimmed[..<range.lowerBound]).trimmingSpaces
                let values = trimmed[range.upperBound...].trimmingSpaces
                guard values.hasPrefix("("), values.hasSuffix(")"), !key.isEmpty else {
                    throw ParseError(description: "invalid label selector clause \(trimmed)")
                }
                let set = Set(values.dropFirst().dropLast().split(separator: ",").map { String($0).trimmingSpaces })
                requirements.append(trimmed[range].contains("notin") ? .notIn(key, set) : .isIn(key, set))
            } else if let range = trimmed.firstRange(of: "!=") {
                requirements.append(.notEquals(String(trimmed[..<range.lowerBound]).trimmingSpaces, String(trimmed[range.upperBound...]).trimmingSpaces))
            } else if let range = trimmed.firstRange(of: "==") ?? trimmed.firstRange(of: "=") {
                requirements.append(.equals(String(trimmed[..<range.lowerBound]).trimmingSpaces, String(trimmed[range.upperBound...]).trimmingSpaces))
            } else if trimmed.hasPrefix("!") {
                requirements.append(.notExists(String(trimmed.dropFirst()).trimmingSpaces))
            } else {
                requirements.append(.exists(trimmed))
            }
        }
        self.requirements = requirements
    }

    /// Splits on commas outside parentheses.
    private static func clauses(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        var depth = 0
        for character in text {
            if character == "(" { depth += 1 }
            if character == ")" { depth -= 1 }
            if character == ",", depth == 0 {
                result.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        result.append(current)
        return result
    }

    public var isEmpty: Bool { requirements.isEmpty }

    /// A `metav1.LabelSelector` object (`matchLabels` for equality, `matchExpressions` for the rest), as a Backup or
    /// Restore spec carries it.
    public var metav1JSON: JSONValue {
        var matchLabels = JSONObject()
        var expressions: [JSONValue] = []
        func expression(_ key: String, _ op: String, _ values: [String]) -> JSONValue {
            var object: JSONObject = ["key": .string(key), "operator": .string(op)]
            if !values.isEmpty { object["values"] = .array(values.sorted().map(JSONValue.string)) }
            return .object(object)
        }
        for requirement in requirements {
            switch requirement {
            case .equals(let key, let value): matchLabels[key] = .string(value)
            case .notEquals(let key, let value): expressions.append(expression(key, "NotIn", [value]))
            case .exists(let key): expressions.append(expression(key, "Exists", []))
            case .notExists(let key): expressions.append(expression(key, "DoesNotExist", []))
            case .isIn(let key, let values): expressions.append(expression(key, "In", Array(values)))
            case .notIn(let key, let values): expressions.append(expression(key, "NotIn", Array(values)))
            }
        }
        var object = JSONObject()
        if !matchLabels.isEmpty { object["matchLabels"] = .object(matchLabels) }
        if !expressions.isEmpty { object["matchExpressions"] = .array(expressions) }
        return .object(object)
    }

    /// Parses a `metav1.LabelSelector` object (`matchLabels`, `matchExpressions` with In, NotIn, Exists,
    /// DoesNotExist).
    public init(metav1 value: JSONValue) throws {
        guard let object = value.objectValue else { throw ParseError(description: "labelSelector must be an object") }
        var clauses: [String] = []
        for member in object["matchLabels"]?.objectValue?.members ?? [] {
            guard let text = member.value.stringValue else {
                throw ParseError(description: "labelSelector.matchLabels.\(member.key) must be a string")
            }
            clauses.append(member.key + "=" + text)
        }
        for expression in object["matchExpressions"]?.arrayValue ?? [] {
            guard let key = expression.objectValue?["key"]?.stringValue, let op = expression.objectValue?["operator"]?.stringValue else {
                throw ParseError(description: "labelSelector.matchExpressions entries need key and operator")
            }
            let values = (expression.objectValue?["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch op {
            case "In": clauses.append("\(key) in (\(values.joined(separator: ",")))")
            case "NotIn": clauses.append("\(key) notin (\(values.joined(separator: ",")))")
            case "Exists": clauses.append(key)
            case "DoesNotExist": clauses.append("!" + key)
            default: throw ParseError(description: "labelSelector operator \(op) is not one of In, NotIn, Exists, DoesNotExist")
            }
        }
        try self.init(clauses.joined(separator: ","))
    }

    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            switch requirement {
            case .equals(let key, let value): labels[key] == value
            case .notEquals(let key, let value): labels[key] != value
            case .exists(let key): labels[key] != nil
            case .notExists(let key): labels[key] == nil
            case .isIn(let key, let values): labels[key].map(values.contains) ?? false
            case .notIn(let key, let values): !(labels[key].map(values.contains) ?? false)
            }
        }
    }
}

private extension StringProtocol {
    var trimmingSpaces: String {
        var text = String(self)
        while text.first == " " { text.removeFirst() }
        while text.last == " " { text.removeLast() }
        return text
    }
}
