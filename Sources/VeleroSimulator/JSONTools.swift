import LosslessJSON

extension JSONValue {
    /// The same value with every object's keys in byte order, as Velero sends items (Go marshals maps sorted).
    public func sortingKeys() -> JSONValue {
        switch self {
        case .array(let elements):
            return .array(elements.map { $0.sortingKeys() })
        case .object(let object):
            var sorted = JSONObject()
            for member in object.members.sorted(by: { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }) {
                sorted[member.key] = member.value.sortingKeys()
            }
            return .object(sorted)
        default:
            return self
        }
    }

    /// Indented JSON (two spaces), members in stored order; for files people read and `-o json`.
    public func prettyPrinted() -> String {
        var output: [UInt8] = []
        writePretty(to: &output, indent: 0)
        return String(decoding: output, as: UTF8.self)
    }

    private func writePretty(to output: inout [UInt8], indent: Int) {
        let newline = { (output: inout [UInt8], depth: Int) in
            output.append(UInt8(ascii: "\n"))
            output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }
        switch self {
        case .array(let elements) where !elements.isEmpty:
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, indent + 1)
                element.writePretty(to: &output, indent: indent + 1)
            }
            newline(&output, indent)
            output.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            output.append(UInt8(ascii: "{"))
            for (index, member) in object.members.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                newline(&output, indent + 1)
                JSONValue.string(member.key).write(to: &output)
                output.append(contentsOf: Array(": ".utf8))
                member.value.writePretty(to: &output, indent: indent + 1)
            }
            newline(&output, indent)
            output.append(UInt8(ascii: "}"))
        default:
            write(to: &output)
        }
    }

    /// Compact text of a value for one-line messages.
    var compactText: String { String(decoding: serialized(), as: UTF8.self) }
}

/// One difference between two versions of an object.
public struct JSONChange: Sendable, Equatable, CustomStringConvertible {
    public enum Operation: String, Sendable { case added = "+", removed = "-", changed = "~" }
    public var operation: Operation
    public var path: JSONPath
    public var old: JSONValue?
    public var new: JSONValue?

    public var description: String {
        switch operation {
        case .added: "+ \(path): \(new?.compactText ?? "")"
        case .removed: "- \(path): \(old?.compactText ?? "")"
        case .changed: "~ \(path): \(old?.compactText ?? "") → \(new?.compactText ?? "")"
        }
    }

    public var json: JSONValue {
        var object: JSONObject = ["op": .string(operation == .added ? "add" : operation == .removed ? "remove" : "replace"), "path": .string(path.description)]
        if let old { object["old"] = old }
        if let new { object["new"] = new }
        return .object(object)
    }
}

/// Differences between two JSON documents, path by path: objects member by member (order ignored), arrays of equal
/// length element by element, anything else as one replacement.
public enum JSONDiff {
    public static func changes(from old: JSONValue, to new: JSONValue) -> [JSONChange] {
        var changes: [JSONChange] = []
        compare(old, new, at: .root, into: &changes)
        return changes
    }

    private static func compare(_ old: JSONValue, _ new: JSONValue, at path: JSONPath, into changes: inout [JSONChange]) {
        switch (old, new) {
        case (.object(let a), .object(let b)):
            for member in a.members {
                let childPath = path.appending(.key(member.key))
                if let other = b[member.key] {
                    compare(member.value, other, at: childPath, into: &changes)
                } else {
                    changes.append(JSONChange(operation: .removed, path: childPath, old: member.value))
                }
            }
            for member in b.members where a[member.key] == nil {
                changes.append(JSONChange(operation: .added, path: path.appending(.key(member.key)), new: member.value))
            }
        case (.array(let a), .array(let b)) where a.count == b.count:
            for index in a.indices { compare(a[index], b[index], at: path.appending(.index(index)), into: &changes) }
        default:
            if old != new { changes.append(JSONChange(operation: .changed, path: path, old: old, new: new)) }
        }
    }
}
