/// A JSON document kept exactly as written: object keys stay in their original order and numbers stay as their
/// literal text, so an item that passes through an action comes out with every field and digit it went in with
/// (D1 in docs/decisions.md, which says why this module exists: a typed round trip loses unknown fields and 64-bit
/// integers).
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type of a value, used in type-mismatch errors.
    public enum Kind: String, Sendable, CustomStringConvertible {
        case null, boolean, number, string, array, object
        public var description: String { rawValue }
    }

    public var kind: Kind {
        switch self {
        case .null: .null
        case .bool: .boolean
        case .number: .number
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }

    public var objectValue: JSONObject? {
        if case .object(let object) = self { object } else { nil }
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { elements } else { nil }
    }

    public var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { flag } else { nil }
    }

    public var numberValue: JSONNumber? {
        if case .number(let number) = self { number } else { nil }
    }

    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}

/// A JSON number as its literal text. The text is never converted through `Double`, so `9007199254740993` and
/// `1.50` are written back exactly as read.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The literal as it appears in JSON (always valid JSON number syntax).
    public let literal: String

    /// A number from JSON literal text; `nil` unless `literal` is valid JSON number syntax.
    public init?(literal: String) {
        let bytes = Array(literal.utf8)
        let end = bytes.withUnsafeBufferPointer { JSONNumber.scanLiteral($0, from: 0) }
        guard let end, end == bytes.count else { return nil }
        self.literal = literal
    }

    public init<Integer: BinaryInteger>(_ value: Integer) {
        self.literal = String(value)
    }

    /// Used by the parser, which has already checked the syntax.
    init(validatedLiteral: String) {
        self.literal = validatedLiteral
    }

    /// The value as a 64-bit integer when the literal is an integer in range (no fraction or exponent).
    public var int64Value: Int64? { Int64(literal) }

    public var description: String { literal }

    /// Returns the index just past a JSON number starting at `start`, or `nil` if there is none.
    static func scanLiteral(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        let count = bytes.count
        func isDigit(_ i: Int) -> Bool { i < count && bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") }
        if index < count && bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { return nil }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while isDigit(index) { index += 1 }
        }
        if index < count && bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard isDigit(index) else { return nil }
            while isDigit(index) { index += 1 }
        }
        if index < count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
            index += 1
            if index < count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
            guard isDigit(index) else { return nil }
            while isDigit(index) { index += 1 }
        }
        return index
    }
}

/// A JSON object whose members keep their order. Keys are unique (the parser keeps the last value of a repeated key
/// at the key's first position, as Go's decoder keeps the last value).
public struct JSONObject: Sendable {
    public struct Member: Sendable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var members: [Member]

    public init() {
        members = []
    }

    public init(_ pairs: KeyValuePairs<String, JSONValue>) {
        members = []
        for (key, value) in pairs { self[key] = value }
    }

    /// For the parser, which guarantees unique keys.
    init(uniqueMembers: [Member]) {
        members = uniqueMembers
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
    public var keys: [String] { members.map(\.key) }

    public func index(forKey key: String) -> Int? {
        members.firstIndex { $0.key.hasSameBytes(as: key) }
    }

    /// Reading gives the member's value; assigning replaces it in place or appends a new member; assigning `nil`
    /// removes the member.
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key.hasSameBytes(as: key) { return member.value }
            return nil
        }
        set {
            if let index = index(forKey: key) {
                if let newValue {
                    members[index].value = newValue
                } else {
                    members.remove(at: index)
                }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let index = index(forKey: key) else { return nil }
        return members.remove(at: index).value
    }

    /// Edits the value of an existing member in place without copying it; returns `false` if the key is absent.
    @discardableResult
    mutating func modifyValue<Failure: Error>(
        forKey key: String, _ body: (inout JSONValue) throws(Failure) -> Void
    ) throws(Failure) -> Bool {
        guard let index = index(forKey: key) else { return false }
        try body(&members[index].value)
        return true
    }
}

// MARK: - Semantic equality

/// Semantic equality: objects compare as unordered maps, numbers by literal text (`1` ≠ `1.0`), arrays in order,
/// keys and strings by their UTF-8 bytes (as Go compares them, not by Unicode equivalence).
extension JSONValue: Equatable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.string(let a), .string(let b)): a.hasSameBytes(as: b)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a == b
        default: false
        }
    }
}

extension JSONObject: Equatable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for member in lhs.members {
            guard let other = rhs[member.key], other == member.value else { return false }
        }
        return true
    }
}

// MARK: - Literals, for building values in code and tests

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON text.
    public var description: String { String(decoding: serialized(), as: UTF8.self) }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }
}
