import VeleroPluginKit

/// A Kubernetes object held as raw JSON, with the identity used in error messages (`VirtualMachine ns/name`).
/// Reads go through exact paths; a value of the wrong JSON type at a path that is read becomes an `ActionError`
/// naming the object and the path (D1 in docs/decisions.md), never a trap.
struct KubernetesObject: Sendable {
    var json: JSONValue
    /// The kind the action treats the object as (used in messages, not read from the item).
    let kind: String
    let namespace: String
    let name: String

    /// `VirtualMachine ns/name`.
    var reference: String { "\(kind) \(namespace)/\(name)" }
    /// `ns/name`.
    var namespacedName: String { "\(namespace)/\(name)" }

    /// Parses a request item for the action `actionTypeName`. Anything but a JSON object, a missing `metadata` or
    /// (when `requireName`) a missing `metadata.name` is an error naming the action and what is wrong (D5).
    init(item bytes: [UInt8], kind: String, actionTypeName: String, requireName: Bool = true) throws(ActionError) {
        try self.init(
            item: try Self.parseItem(bytes, actionTypeName: actionTypeName), kind: kind, actionTypeName: actionTypeName,
            requireName: requireName)
    }

    /// The request item as JSON, which must be an object (D5).
    static func parseItem(_ bytes: [UInt8], actionTypeName: String) throws(ActionError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONValue.parse(bytes)
        } catch {
            throw ActionError("\(actionTypeName): item is not a JSON object: \(error)")
        }
        guard case .object = json else {
            throw ActionError("\(actionTypeName): item is not a JSON object: found \(Self.describeTopLevel(json))")
        }
        return json
    }

    /// What Velero's side needs to decode the item this action answers with (an unchanged item is echoed back):
    /// apimachinery's unstructured decoder refuses an object without `kind` ("Object 'Kind' is missing") or
    /// `apiVersion`, and Go's JSON decoder a number beyond float64's range. Such an item is an error naming the item
    /// and the path, rather than an answer Velero cannot read.
    static func requireDecodableByVelero(_ json: JSONValue, actionTypeName: String) throws(ActionError) {
        func subject() -> String {
            let namespace = (try? json.string(at: ["metadata", "namespace"])) ?? nil
            let name = (try? json.string(at: ["metadata", "name"])) ?? nil
            switch (namespace, name) {
            case (let namespace?, let name?): return "item \(namespace)/\(name)"
            case (nil, let name?): return "item \(name)"
            default: return "item"
            }
        }
        for field in ["kind", "apiVersion"] {
            let value = (try? json.string(at: [.key(field)])) ?? nil
            guard let value, !value.isEmpty else {
                throw ActionError("\(actionTypeName): \(subject()) has no \(field) (a string at path \(field)); Velero cannot decode it")
            }
        }
        if let path = json.firstNumberBeyondFloat64() {
            throw ActionError(
                "\(actionTypeName): \(subject()) has a number at path \(path) beyond the range of a float64; Velero cannot decode it")
        }
    }

    /// Wraps an object read from the cluster (or built in a test). Identity fields may be missing.
    init(fetched json: JSONValue, kind: String) {
        self.json = json
        self.kind = kind
        self.namespace = (try? json.string(at: ["metadata", "namespace"])) ?? ""
        self.name = (try? json.string(at: ["metadata", "name"])) ?? ""
    }

    /// Wraps an already parsed request item (see `parseItem`), checking its identity fields.
    init(item json: JSONValue, kind: String, actionTypeName context: String, requireName: Bool = true) throws(ActionError) {
        let metadata: JSONObject?
        let namespace: String?
        let name: String?
        do {
            metadata = try json.object(at: ["metadata"])
            namespace = try json.string(at: ["metadata", "namespace"])
            name = try json.string(at: ["metadata", "name"])
        } catch {
            throw ActionError("\(context): \(kind) has an unexpected value: \(error)")
        }
        if requireName {
            guard metadata != nil else { throw ActionError("\(context): \(kind) has no metadata") }
            guard let name, !name.isEmpty else {
                let place = namespace.map { " in namespace \($0)" } ?? ""
                throw ActionError("\(context): \(kind)\(place) has no metadata.name")
            }
        }
        try Self.requireDecodableByVelero(json, actionTypeName: context)
        self.json = json
        self.kind = kind
        self.namespace = namespace ?? ""
        self.name = name ?? ""
    }

    private static func describeTopLevel(_ value: JSONValue) -> String {
        switch value {
        case .array: "a JSON array"
        case .null: "null"
        case .string: "a JSON string"
        case .number: "a JSON number"
        case .bool: "a JSON boolean"
        case .object: "a JSON object"
        }
    }

    // MARK: Typed reads

    private func checked<T>(_ read: () throws(JSONPathError) -> T) throws(ActionError) -> T {
        do {
            return try read()
        } catch {
            throw ActionError("\(reference) has an unexpected value: \(error)")
        }
    }

    func string(_ path: JSONPath) throws(ActionError) -> String? { try checked { () throws(JSONPathError) in try json.string(at: path) } }
    func bool(_ path: JSONPath) throws(ActionError) -> Bool? { try checked { () throws(JSONPathError) in try json.bool(at: path) } }
    func object(_ path: JSONPath) throws(ActionError) -> JSONObject? { try checked { () throws(JSONPathError) in try json.object(at: path) } }
    func array(_ path: JSONPath) throws(ActionError) -> [JSONValue]? { try checked { () throws(JSONPathError) in try json.array(at: path) } }

    /// "Present" as the Go plugin's typed decoding sees it: the key holds an object (`{}` counts, `null` does not).
    func hasObject(_ path: JSONPath) throws(ActionError) -> Bool { try object(path) != nil }

    /// The number of elements of the array at `path` (0 when absent or null).
    func count(_ path: JSONPath) throws(ActionError) -> Int { try array(path)?.count ?? 0 }

    func label(_ key: String) throws(ActionError) -> String? { try string(["metadata", "labels", .key(key)]) }
    func annotation(_ key: String) throws(ActionError) -> String? { try string(["metadata", "annotations", .key(key)]) }

    /// `velero.io/exclude-from-backup: "true"` (exact value, as the reference compares it).
    func isExcludedByLabel() throws(ActionError) -> Bool { try label(Label.excludeFromBackup) == "true" }

    // MARK: Edits

    mutating func set(_ value: JSONValue, at path: JSONPath) throws(ActionError) {
        do {
            try json.setValue(value, at: path)
        } catch {
            throw ActionError("\(reference) cannot be updated: \(error)")
        }
    }

    @discardableResult
    mutating func remove(_ path: JSONPath) -> JSONValue? { json.removeValue(at: path) }

    mutating func setLabel(_ key: String, _ value: String) throws(ActionError) {
        try set(.string(value), at: ["metadata", "labels", .key(key)])
    }

    mutating func setAnnotation(_ key: String, _ value: String) throws(ActionError) {
        try set(.string(value), at: ["metadata", "annotations", .key(key)])
    }

    @discardableResult
    mutating func removeLabel(_ key: String) -> JSONValue? { remove(["metadata", "labels", .key(key)]) }

    @discardableResult
    mutating func removeAnnotation(_ key: String) -> JSONValue? { remove(["metadata", "annotations", .key(key)]) }

    /// Compact JSON of the (edited) object; `sizeHint` is the request size, to allocate once.
    func serialized(sizeHint: Int) -> [UInt8] { json.serialized(reservingCapacity: sizeHint + 256) }
}
