/// Edits inside JSON *text* that keep every byte they do not change: for JSON documents held as strings inside
/// other objects (a CNI configuration in a NetworkAttachmentDefinition), where parsing and serialising again would
/// reformat what their author wrote.
public enum JSONText {
    /// The byte ranges of the values of the top-level members named `key` of the JSON object `bytes`, in text order
    /// (a repeated key has several; Go's decoder and `JSONValue.parse` use the last). The text must be valid JSON
    /// (the full parser's error otherwise); a top-level value that is not an object has no members.
    public static func topLevelMemberValueRanges(_ key: String, in bytes: [UInt8]) throws(JSONParseError) -> [Range<Int>] {
        guard case .object = try JSONValue.parse(bytes) else { return [] }
        // Valid from here on, so the scan below needs no error handling of its own.
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        scanner.position += 1  // {
        var ranges: [Range<Int>] = []
        while true {
            scanner.skipWhitespace()
            if scanner.current == UInt8(ascii: "}") { return ranges }
            let keyStart = scanner.position
            scanner.skipString()
            let name = try JSONValue.parse(Array(bytes[keyStart..<scanner.position]))
            scanner.skipWhitespace()
            scanner.position += 1  // :
            scanner.skipWhitespace()
            let valueStart = scanner.position
            scanner.skipValue()
            if case .string(let text) = name, text.hasSameBytes(as: key) { ranges.append(valueStart..<scanner.position) }
            scanner.skipWhitespace()
            if scanner.current == UInt8(ascii: ",") { scanner.position += 1 }
        }
    }

    /// `bytes` with the value at `range` replaced by the JSON string `value` (escaped as the serialiser escapes).
    public static func replacing(_ range: Range<Int>, in bytes: [UInt8], withString value: String) -> [UInt8] {
        var encoded: [UInt8] = []
        JSONValue.appendString(value, to: &encoded)
        var result = bytes
        result.replaceSubrange(range, with: encoded)
        return result
    }

    /// A cursor over text already known to be valid JSON.
    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
        }

        /// From an opening quote to just past the closing one.
        mutating func skipString() {
            position += 1
            while let byte = current {
                position += 1
                if byte == UInt8(ascii: "\\") { position += 1 } else if byte == UInt8(ascii: "\"") { return }
            }
        }

        mutating func skipValue() {
            switch current {
            case UInt8(ascii: "\""): skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while let byte = current {
                    switch byte {
                    case UInt8(ascii: "\""): skipString(); continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                    default: break
                    }
                    position += 1
                    if depth == 0 { return }
                }
            default:  // number or literal
                while let byte = current, !(byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]")
                    || byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D)
                {
                    position += 1
                }
            }
        }
    }
}
