extension JSONValue {
    /// Compact JSON (no insignificant whitespace), object members in their stored order, numbers as their literal
    /// text. Strings escape only what JSON requires (`"`, `\`, control characters); all other text is written as
    /// raw UTF-8.
    public func serialized(reservingCapacity capacity: Int = 256) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(capacity)
        write(to: &output)
        return output
    }

    public func write(to output: inout [UInt8]) {
        switch self {
        case .null:
            output.append(contentsOf: JSONSerializer.null)
        case .bool(let flag):
            output.append(contentsOf: flag ? JSONSerializer.true : JSONSerializer.false)
        case .number(let number):
            output.append(contentsOf: number.literal.utf8)
        case .string(let text):
            JSONSerializer.writeString(text, to: &output)
        case .array(let elements):
            output.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            object.write(to: &output)
        }
    }
}

extension JSONValue {
    /// `text` as a JSON string, quoted and escaped exactly as `serialized()` writes strings: for writers of JSON that
    /// is not held as a `JSONValue` (the plugin's log lines).
    public static func appendString(_ text: String, to output: inout [UInt8]) {
        JSONSerializer.writeString(text, to: &output)
    }
}

extension JSONObject {
    public func write(to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        var first = true
        for member in members {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            JSONSerializer.writeString(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            member.value.write(to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }
}

enum JSONSerializer {
    static let null = Array("null".utf8)
    static let `true` = Array("true".utf8)
    static let `false` = Array("false".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        // Native Swift strings are contiguous UTF-8; makeContiguousUTF8 only copies bridged or foreign strings.
        text.makeContiguousUTF8()
        let written = text.utf8.withContiguousStorageIfAvailable { bytes in
            writeEscaped(bytes, to: &output)
            return true
        } ?? false
        if !written { writeEscaped(Array(text.utf8), to: &output) }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscaped(_ bytes: [UInt8], to output: inout [UInt8]) {
        bytes.withUnsafeBufferPointer { writeEscaped($0, to: &output) }
    }

    /// Copies runs of bytes that need no escaping in one append each.
    private static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        var runStart = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            if runStart < index { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            output.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
            case 0x08: output.append(UInt8(ascii: "b"))
            case 0x0C: output.append(UInt8(ascii: "f"))
            case 0x0A: output.append(UInt8(ascii: "n"))
            case 0x0D: output.append(UInt8(ascii: "r"))
            case 0x09: output.append(UInt8(ascii: "t"))
            default:
                output.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
            index += 1
            runStart = index
        }
        if runStart < bytes.count { output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
    }
}
