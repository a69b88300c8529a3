extension JSONNumber {
    /// Whether Go's decoder (`strconv.ParseFloat`, used for any number an `int64` cannot hold) refuses the literal as
    /// out of range: its magnitude rounds beyond the largest float64. Too small a magnitude becomes 0 and is accepted.
    public var isBeyondFloat64: Bool {
        // A literal of at most 15 characters without an exponent is below 10¹⁵: no parse needed.
        if literal.utf8.count <= 15, !literal.utf8.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            return false
        }
        return Double(literal)?.isInfinite ?? true
    }
}

extension JSONValue {
    /// The path of the first number (in document order) that `JSONNumber.isBeyondFloat64`, or `nil`.
    public func firstNumberBeyondFloat64() -> JSONPath? {
        var components: [JSONPath.Component] = []
        return Self.findNumberBeyondFloat64(in: self, path: &components).map { _ in JSONPath(components) }
    }

    private static func findNumberBeyondFloat64(in value: JSONValue, path: inout [JSONPath.Component]) -> Void? {
        switch value {
        case .number(let number):
            return number.isBeyondFloat64 ? () : nil
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                path.append(.index(index))
                if findNumberBeyondFloat64(in: element, path: &path) != nil { return () }
                path.removeLast()
            }
            return nil
        case .object(let object):
            for member in object.members {
                path.append(.key(member.key))
                if findNumberBeyondFloat64(in: member.value, path: &path) != nil { return () }
                path.removeLast()
            }
            return nil
        case .null, .bool, .string:
            return nil
        }
    }
}
