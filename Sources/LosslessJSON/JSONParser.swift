/// Why a byte sequence is not acceptable JSON, with the byte offset where the problem was found.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "\(reason) at byte offset \(offset)" }
}

extension JSONValue {
    /// Nesting limit of arrays and objects; deeper documents are rejected instead of exhausting the stack.
    public static let defaultMaximumDepth = 512

    /// Parses one JSON value (RFC 8259, strict: no comments, no trailing commas, no leading zeros, strings must be
    /// valid UTF-8 without raw control characters, nothing but whitespace after the value).
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer, maximumDepth: maximumDepth)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }
}

/// Recursive-descent parser over raw UTF-8 bytes. Strings without escapes are created straight from the input
/// buffer; escaped ones are decoded through one reused scratch buffer.
struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let maximumDepth: Int
    private var index = 0
    private var depth = 0
    private var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw failure("empty input, expected a JSON value") }
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected data after the JSON value") }
        return value
    }

    mutating func parseDocument(selecting selection: JSONSelection) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw failure("empty input, expected a JSON value") }
        let value = try parseValue(selecting: selection)
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected data after the JSON value") }
        return value
    }

    private func failure(_ reason: String) -> JSONParseError {
        JSONParseError(offset: index, reason: reason)
    }

    private func describeByte(at position: Int) -> String {
        guard position < bytes.count else { return "end of input" }
        let byte = bytes[position]
        if byte >= 0x20 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x\(String(byte, radix: 16))"
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of input, expected a JSON value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectKeyword("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectKeyword("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectKeyword("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw failure("unexpected \(describeByte(at: index)), expected a JSON value")
        }
    }

    private mutating func expectKeyword(_ keyword: StaticString) throws(JSONParseError) {
        let length = keyword.utf8CodeUnitCount
        guard index + length <= bytes.count else { throw failure("invalid literal, expected '\(keyword)'") }
        let matches = keyword.withUTF8Buffer { expected in
            var offset = 0
            while offset < length {
                if bytes[index + offset] != expected[offset] { return false }
                offset += 1
            }
            return true
        }
        guard matches else { throw failure("invalid literal, expected '\(keyword)'") }
        index += length
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = index
        guard let end = JSONNumber.scanLiteral(bytes, from: start) else { throw failure("invalid number") }
        index = end
        // Number syntax is ASCII only, so decoding cannot fail or alter the text.
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        return JSONNumber(validatedLiteral: literal)
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        guard depth <= maximumDepth else { throw failure("nesting deeper than \(maximumDepth) levels") }
    }

    private mutating func parseArray() throws(JSONParseError) -> [JSONValue] {
        var elements: [JSONValue] = []
        try walkArray { (parser: inout JSONParser) throws(JSONParseError) in elements.append(try parser.parseValue()) }
        return elements
    }

    private mutating func parseObject() throws(JSONParseError) -> JSONObject {
        var members: [JSONObject.Member] = []
        // Built only for large objects, where a linear duplicate scan per key would be quadratic.
        var positions: [ByteExactKey: Int]? = nil
        try walkObject(
            readKey: { (parser: inout JSONParser) throws(JSONParseError) in try parser.parseString() },
            member: { (parser: inout JSONParser, key: String) throws(JSONParseError) in
                let value = try parser.parseValue()
                // A repeated key keeps its first position and its last value (Go's decoder keeps the last value).
                var existing: Int? = nil
                if positions != nil {
                    // In place: copying the table out and back would copy it for every further key.
                    existing = positions![ByteExactKey(key)]
                    if existing == nil { positions![ByteExactKey(key)] = members.count }
                } else {
                    existing = members.firstIndex { $0.key.hasSameBytes(as: key) }
                    if members.count >= 16 {
                        var table: [ByteExactKey: Int] = [:]
                        for (position, member) in members.enumerated() { table[ByteExactKey(member.key)] = position }
                        if existing == nil { table[ByteExactKey(key)] = members.count }
                        positions = table
                    }
                }
                if let existing {
                    members[existing].value = value
                } else {
                    members.append(JSONObject.Member(key: key, value: value))
                }
            })
        return JSONObject(uniqueMembers: members)
    }

    // MARK: Selective parsing: the same checks in the same order, materialising only what is selected

    private mutating func parseValue(selecting selection: JSONSelection) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw failure("unexpected end of input, expected a JSON value") }
        switch selection {
        case .members(let wanted) where bytes[index] == UInt8(ascii: "{"):
            return .object(try parseObject(selecting: wanted))
        case .elements(let each) where bytes[index] == UInt8(ascii: "["):
            return .array(try parseArray(selecting: each))
        default:
            return try parseValue()
        }
    }

    private mutating func parseArray(selecting each: JSONSelection) throws(JSONParseError) -> [JSONValue] {
        var elements: [JSONValue] = []
        try walkArray { (parser: inout JSONParser) throws(JSONParseError) in
            elements.append(try parser.parseValue(selecting: each))
        }
        return elements
    }

    private mutating func parseObject(selecting wanted: [JSONSelection.Wanted]) throws(JSONParseError) -> JSONObject {
        var members: [JSONObject.Member] = []
        try walkObject(readKey: { (parser: inout JSONParser) throws(JSONParseError) in try parser.skipKey() }) {
            (parser: inout JSONParser, keyStart: Int) throws(JSONParseError) in
            guard let match = try parser.wantedKey(wanted, keyStart: keyStart) else {
                try parser.skipValue()
                return
            }
            let value = try parser.parseValue(selecting: match.selection)
            // A repeated key keeps its first position and its last value, as in `parseObject()`.
            if let existing = members.firstIndex(where: { $0.key.hasSameBytes(as: match.key) }) {
                members[existing].value = value
            } else {
                members.append(JSONObject.Member(key: match.key, value: value))
            }
        }
        return JSONObject(uniqueMembers: members)
    }

    /// Checks and skips one value without materialising it.
    private mutating func skipValue() throws(JSONParseError) {
        guard index < bytes.count else { throw failure("unexpected end of input, expected a JSON value") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            try walkObject(readKey: { (parser: inout JSONParser) throws(JSONParseError) in try parser.skipString() }) {
                (parser: inout JSONParser, _: Void) throws(JSONParseError) in try parser.skipValue()
            }
        case UInt8(ascii: "["):
            try walkArray { (parser: inout JSONParser) throws(JSONParseError) in try parser.skipValue() }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expectKeyword("true")
        case UInt8(ascii: "f"): try expectKeyword("false")
        case UInt8(ascii: "n"): try expectKeyword("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard let end = JSONNumber.scanLiteral(bytes, from: index) else { throw failure("invalid number") }
            index = end
        default: throw failure("unexpected \(describeByte(at: index)), expected a JSON value")
        }
    }

    /// Walks an array at `[`: checks its syntax and calls `element` at the start of each element, which it must consume.
    @inline(__always)
    private mutating func walkArray(
        _ element: (inout JSONParser) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try enterContainer()
        index += 1  // [
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            try element(&self)
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input in array") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return
            default:
                throw failure("unexpected \(describeByte(at: index)) in array, expected ',' or ']'")
            }
        }
    }

    /// Walks an object at `{`: checks its syntax and, for each member, reads the key with `readKey` (at its opening
    /// quote) and calls `member` at the start of the value, which it must consume.
    @inline(__always)
    private mutating func walkObject<Key>(
        readKey: (inout JSONParser) throws(JSONParseError) -> Key,
        member: (inout JSONParser, Key) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        try enterContainer()
        index += 1  // {
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw failure("unexpected \(describeByte(at: index)) in object, expected a string key")
            }
            let key = try readKey(&self)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw failure("unexpected \(describeByte(at: index)) after object key, expected ':'")
            }
            index += 1
            skipWhitespace()
            try member(&self, key)
            skipWhitespace()
            guard index < bytes.count else { throw failure("unexpected end of input in object") }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return
            default:
                throw failure("unexpected \(describeByte(at: index)) in object, expected ',' or '}'")
            }
        }
    }

    /// Checks and skips a key, giving the offset of its opening quote.
    private mutating func skipKey() throws(JSONParseError) -> Int {
        let start = index
        try skipString()
        return start
    }

    /// The wanted member whose key is the (already checked) string at `keyStart`. Plain keys are compared as bytes;
    /// a key with escapes is decoded first.
    private mutating func wantedKey(
        _ wanted: [JSONSelection.Wanted], keyStart: Int
    ) throws(JSONParseError) -> JSONSelection.Wanted? {
        var end = keyStart + 1
        while bytes[end] != UInt8(ascii: "\"") && bytes[end] != UInt8(ascii: "\\") { end += 1 }
        if bytes[end] == UInt8(ascii: "\"") {
            let key = UnsafeBufferPointer(rebasing: bytes[(keyStart + 1)..<end])
            return wanted.first { candidate in
                candidate.keyBytes.count == key.count && candidate.keyBytes.withUnsafeBufferPointer { memoryEqual($0, key) }
            }
        }
        let resume = index
        index = keyStart
        let key = try parseString()
        index = resume
        return wanted.first { $0.key.hasSameBytes(as: key) }
    }

    /// Checks and skips a string at its opening quote: the checks of `parseString()`, without creating it. Strings
    /// with escapes or non-ASCII bytes (rare in the skipped parts) are checked by decoding them.
    private mutating func skipString() throws(JSONParseError) {
        let start = index
        index += 1  // opening quote
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 { break }
            if byte < 0x20 { throw failure("unescaped control character in string") }
            index += 1
        }
        index = start
        _ = try parseString()
    }

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        index += 1  // opening quote
        let start = index
        // Fast path: no escapes, the text is the input bytes themselves. Whether it is ASCII is noted on the way.
        var nonASCII: UInt8 = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try makeString(
                    UnsafeBufferPointer(rebasing: bytes[start..<index]), offset: start, knownASCII: nonASCII < 0x80)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw failure("unescaped control character in string") }
            nonASCII |= byte
            index += 1
        }
        guard index < bytes.count else { throw JSONParseError(offset: start - 1, reason: "unterminated string") }

        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return try scratch.withUnsafeBufferPointer { buffer throws(JSONParseError) in
                    try makeString(buffer, offset: start)
                }
            }
            if byte < 0x20 { throw failure("unescaped control character in string") }
            if byte != UInt8(ascii: "\\") {
                scratch.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"): try appendUnicodeEscape()
            default:
                index -= 2
                throw failure("invalid escape sequence in string")
            }
        }
        throw JSONParseError(offset: start - 1, reason: "unterminated string")
    }

    /// Creates the string, rejecting invalid UTF-8 (Go would replace it with U+FFFD; a lossless parser must not).
    /// `String(decoding:)` is the specialised fast path; it repairs invalid input, so a non-ASCII result is compared
    /// with the input bytes (a repair always changes them). ASCII, by far the most common case, needs no check.
    private func makeString(
        _ buffer: UnsafeBufferPointer<UInt8>, offset: Int, knownASCII: Bool = false
    ) throws(JSONParseError) -> String {
        var isASCII = knownASCII
        if !isASCII {
            isASCII = true
            for byte in buffer where byte >= 0x80 {
                isASCII = false
                break
            }
        }
        var text = String(decoding: buffer, as: UTF8.self)
        if isASCII { return text }
        let identical = text.withUTF8 { decoded in
            decoded.count == buffer.count && (decoded.isEmpty || memoryEqual(decoded, buffer))
        }
        guard identical else { throw JSONParseError(offset: offset, reason: "invalid UTF-8 in string") }
        return text
    }

    private func memoryEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < a.count {
            if a[index] != b[index] { return false }
            index += 1
        }
        return true
    }

    /// Decodes `XXXX` (index is just past `\u`), combining a surrogate pair, and appends the scalar as UTF-8.
    private mutating func appendUnicodeEscape() throws(JSONParseError) {
        let escapeStart = index - 2
        let first = try readHex4()
        var scalarValue = UInt32(first)
        if (0xD800...0xDBFF).contains(first) {
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { throw JSONParseError(offset: escapeStart, reason: "unpaired surrogate in \\u escape") }
            index += 2
            let second = try readHex4()
            guard (0xDC00...0xDFFF).contains(second) else {
                throw JSONParseError(offset: escapeStart, reason: "unpaired surrogate in \\u escape")
            }
            scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
        } else if (0xDC00...0xDFFF).contains(first) {
            throw JSONParseError(offset: escapeStart, reason: "unpaired surrogate in \\u escape")
        }
        guard let scalar = Unicode.Scalar(scalarValue) else {
            throw JSONParseError(offset: escapeStart, reason: "invalid \\u escape")
        }
        UTF8.encode(scalar) { scratch.append($0) }
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt16 {
        guard index + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }
}
