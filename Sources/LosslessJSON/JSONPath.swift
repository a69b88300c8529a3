/// A location inside a JSON document: object keys and array indices from the root, e.g.
/// `["metadata", "labels", "velero.kubevirt.io/pvc-uid"]` or `["spec", "volumes", 2, "name"]`.
/// Written for people as `metadata.labels["velero.kubevirt.io/pvc-uid"]` and `spec.volumes[2].name`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible, ExpressibleByArrayLiteral {
    public enum Component: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
        case key(String)
        case index(Int)

        public init(stringLiteral value: String) { self = .key(value) }
        public init(integerLiteral value: Int) { self = .index(value) }
    }

    public var components: [Component]

    public init(_ components: [Component] = []) {
        self.components = components
    }

    public init(arrayLiteral elements: Component...) {
        components = elements
    }

    public static let root = JSONPath()

    public var isRoot: Bool { components.isEmpty }

    public func appending(_ more: Component...) -> JSONPath {
        JSONPath(components + more)
    }

    public static func + (lhs: JSONPath, rhs: JSONPath) -> JSONPath {
        JSONPath(lhs.components + rhs.components)
    }

    /// The first `count` components.
    func prefix(_ count: Int) -> JSONPath {
        JSONPath(Array(components.prefix(count)))
    }

    public var description: String {
        if components.isEmpty { return "(document root)" }
        var text = ""
        for component in components {
            switch component {
            case .index(let index):
                text += "[\(index)]"
            case .key(let key) where JSONPath.isPlainKey(key):
                if !text.isEmpty { text += "." }
                text += key
            case .key(let key):
                text += "[" + JSONValue.string(key).description + "]"
            }
        }
        return text
    }

    /// Keys that read unambiguously after a dot (no dots, slashes, brackets or spaces).
    private static func isPlainKey(_ key: String) -> Bool {
        !key.isEmpty
            && key.utf8.allSatisfy { byte in
                (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                    || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
                    || byte == UInt8(ascii: "-")
            }
    }
}

/// A path that cannot be followed or edited because of what the document holds there.
public struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// The value at `path` has type `found` where `expected` is required.
        case typeMismatch(expected: JSONValue.Kind, found: JSONValue.Kind)
        /// An index component points past the end of the array at `path`.
        case indexOutOfRange(index: Int, count: Int)
    }

    public var path: JSONPath
    public var problem: Problem

    public init(path: JSONPath, problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .typeMismatch(let expected, .null):
            "\(path) is null, expected \(Self.article(expected)) \(expected)"
        case .typeMismatch(let expected, let found):
            "\(path) is \(Self.article(found)) \(found), expected \(Self.article(expected)) \(expected)"
        case .indexOutOfRange(let index, let count):
            "\(path) has \(count) elements, no index \(index)"
        }
    }

    private static func article(_ kind: JSONValue.Kind) -> String {
        switch kind {
        case .array, .object: "an"
        case .null, .boolean, .number, .string: "a"
        }
    }
}
