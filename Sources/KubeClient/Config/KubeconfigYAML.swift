import LosslessJSON

/// The YAML that kubeconfig files are written in, read into JSON values without a YAML library (the plugin ships
/// without Foundation's full weight): block mappings and sequences (including `key:` followed by `- item` at the
/// key's own indentation, as kubectl writes them), flow mappings and sequences on one line, plain, single- and
/// double-quoted scalars, literal (`|`) and folded (`>`) block scalars, comments and a leading `---`. Anchors,
/// aliases, tags and multi-line flow collections are refused with the line they are on. Plain scalars resolve like
/// YAML 1.2's core schema: `true`/`false`, `null`/`~`/empty, integers and decimals, otherwise strings.
enum KubeconfigYAML {
    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    struct Line {
        var number: Int
        var indent: Int
        /// Text after the indentation, comment removed, trailing spaces trimmed.
        var text: String
        /// The raw line after the indentation (for block scalars, where `#` is content).
        var raw: String
    }

    static func parse(_ text: String) throws(ParseError) -> JSONValue {
        var lines: [Line] = []
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            if line.contains("\t") && line.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
                throw ParseError(line: number, reason: "tabs are not allowed for indentation")
            }
            let indent = line.prefix { $0 == " " }.count
            let body = String(line.dropFirst(indent))
            let stripped = stripComment(body)
            if number == 1 || lines.isEmpty, stripped == "---" { continue }
            if stripped == "---" || stripped == "..." { break }  // only the first document is read
            lines.append(Line(number: number, indent: indent, text: stripped, raw: body))
        }
        var parser = BlockParser(lines: lines)
        parser.skipBlank()
        guard parser.position < lines.count else { return .null }
        let value = try parser.parseNode(indent: lines[parser.position].indent)
        parser.skipBlank()
        if parser.position < lines.count {
            throw ParseError(line: lines[parser.position].number, reason: "unexpected text at indentation \(lines[parser.position].indent)")
        }
        return value
    }

    /// Removes a comment: `#` at the start or after whitespace, outside quotes.
    static func stripComment(_ text: String) -> String {
        var result = ""
        var quote: Character? = nil
        var previous: Character = " "
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "#" && (previous == " " || previous == "\t") {
                break
            }
            result.append(character)
            previous = character
        }
        while result.last == " " || result.last == "\t" { result.removeLast() }
        return result
    }

    /// Deeper nesting than any kubeconfig has is refused, so a hostile file cannot exhaust the stack (the JSON
    /// parser bounds its depth the same way).
    static let maximumDepth = 64

    struct BlockParser {
        let lines: [Line]
        var position = 0
        /// Nodes open around the one being parsed.
        var depth = 0

        init(lines: [Line]) { self.lines = lines }

        mutating func skipBlank() {
            while position < lines.count && lines[position].text.isEmpty { position += 1 }
        }

        /// A block node whose first line is at `indent`.
        mutating func parseNode(indent: Int) throws(ParseError) -> JSONValue {
            skipBlank()
            let line = lines[position]
            guard depth < KubeconfigYAML.maximumDepth else {
                throw ParseError(line: line.number, reason: "nesting deeper than \(KubeconfigYAML.maximumDepth) levels")
            }
            depth += 1
            defer { depth -= 1 }
            if line.text == "-" || line.text.hasPrefix("- ") { return try parseSequence(indent: indent) }
            if splitKey(line.text) != nil { return try parseMapping(indent: indent) }
            position += 1
            return try scalarOrFlow(line.text, line: line.number)
        }

        mutating func parseSequence(indent: Int) throws(ParseError) -> JSONValue {
            var items: [JSONValue] = []
            while true {
                skipBlank()
                guard position < lines.count, lines[position].indent == indent else { break }
                let line = lines[position]
                guard line.text == "-" || line.text.hasPrefix("- ") else { break }
                let rest = line.text == "-" ? "" : String(line.text.dropFirst(2)).trimmingLeadingSpaces
                let restIndent = indent + line.text.count - rest.count
                if rest.isEmpty {
                    position += 1
                    skipBlank()
                    if position < lines.count, lines[position].indent > indent {
                        items.append(try parseNode(indent: lines[position].indent))
                    } else {
                        items.append(.null)
                    }
                } else if rest.hasPrefix("- ") || splitKey(rest) != nil {
                    // An inline first entry: treat the rest of the line as if it started at its own column.
                    var replaced = lines
                    replaced[position] = Line(number: line.number, indent: restIndent, text: rest, raw: rest)
                    var inner = BlockParser(lines: replaced)
                    inner.position = position
                    inner.depth = depth
                    items.append(try inner.parseNode(indent: restIndent))
                    position = inner.position
                } else {
                    position += 1
                    items.append(try blockScalarOrValue(rest, line: line, parentIndent: indent))
                }
            }
            return .array(items)
        }

        mutating func parseMapping(indent: Int) throws(ParseError) -> JSONValue {
            var object = JSONObject()
            while true {
                skipBlank()
                guard position < lines.count, lines[position].indent == indent else { break }
                let line = lines[position]
                guard let (key, rest) = splitKey(line.text) else {
                    if line.text.hasPrefix("- ") || line.text == "-" { break }
                    throw ParseError(line: line.number, reason: "expected 'key: value'")
                }
                if object[key] != nil { throw ParseError(line: line.number, reason: "duplicate key \(key)") }
                position += 1
                if rest.isEmpty {
                    skipBlank()
                    if position < lines.count, lines[position].indent > indent {
                        object[key] = try parseNode(indent: lines[position].indent)
                    } else if position < lines.count, lines[position].indent == indent,
                        lines[position].text == "-" || lines[position].text.hasPrefix("- ")
                    {
                        object[key] = try parseSequence(indent: indent)
                    } else {
                        object[key] = .null
                    }
                } else {
                    object[key] = try blockScalarOrValue(rest, line: line, parentIndent: indent)
                }
            }
            return .object(object)
        }

        /// `|` / `>` block scalars read the following more-indented lines; anything else is a scalar or flow value.
        mutating func blockScalarOrValue(_ text: String, line: Line, parentIndent: Int) throws(ParseError) -> JSONValue {
            guard let style = text.first, style == "|" || style == ">",
                text.dropFirst().allSatisfy({ $0 == "-" || $0 == "+" })
            else { return try scalarOrFlow(text, line: line.number) }
            var collected: [String] = []
            var blockIndent: Int? = nil
            while position < lines.count {
                let next = lines[position]
                if next.raw.trimmingLeadingSpaces.isEmpty {
                    collected.append("")
                    position += 1
                    continue
                }
                guard next.indent > parentIndent else { break }
                let level = blockIndent ?? next.indent
                blockIndent = level
                guard next.indent >= level else { break }
                collected.append(String(repeating: " ", count: next.indent - level) + next.raw)
                position += 1
            }
            while collected.last == "" { collected.removeLast() }
            let keepNewline = !text.contains("-")
            let joined = style == "|" ? collected.joined(separator: "\n") : collected.joined(separator: " ")
            return .string(joined + (keepNewline && !collected.isEmpty ? "\n" : ""))
        }

        func scalarOrFlow(_ text: String, line: Int) throws(ParseError) -> JSONValue {
            if let first = text.first, first == "&" || first == "*" || first == "!" {
                throw ParseError(line: line, reason: "anchors, aliases and tags are not supported in a kubeconfig")
            }
            if text.first == "{" || text.first == "[" {
                var flow = FlowParser(Array(text.unicodeScalars), line: line)
                let value = try flow.parseValue()
                flow.skipSpaces()
                guard flow.atEnd else { throw ParseError(line: line, reason: "unexpected text after a flow collection (multi-line flow is not supported)") }
                return value
            }
            return try KubeconfigYAML.scalar(text, line: line)
        }

        /// `key: rest` (the colon followed by a space or the end), with a plain or quoted key.
        func splitKey(_ text: String) -> (String, String)? {
            let scalars = Array(text.unicodeScalars)
            var index = 0
            var key = ""
            if let first = scalars.first, first == "\"" || first == "'" {
                var flow = FlowParser(scalars, line: 0)
                guard let quoted = try? flow.parseQuoted() else { return nil }
                key = quoted
                index = flow.index
                while index < scalars.count && scalars[index] == " " { index += 1 }
                guard index < scalars.count, scalars[index] == ":" else { return nil }
            } else {
                while index < scalars.count {
                    if scalars[index] == ":" && (index + 1 == scalars.count || scalars[index + 1] == " ") { break }
                    index += 1
                }
                guard index < scalars.count else { return nil }
                key = String(String.UnicodeScalarView(scalars[0..<index])).trimmingTrailingSpaces
                if key.isEmpty || key.hasPrefix("{") || key.hasPrefix("[") || key.hasPrefix("- ") { return nil }
            }
            let rest = String(String.UnicodeScalarView(scalars[(index + 1)...])).trimmingLeadingSpaces
            return (key, rest)
        }
    }

    /// Flow collections and quoted scalars on one line.
    struct FlowParser {
        let scalars: [Unicode.Scalar]
        let line: Int
        var index = 0
        /// Flow collections open around the current position.
        var depth = 0

        init(_ scalars: [Unicode.Scalar], line: Int) {
            self.scalars = scalars
            self.line = line
        }

        var atEnd: Bool { index >= scalars.count }

        mutating func skipSpaces() {
            while index < scalars.count && (scalars[index] == " " || scalars[index] == "\t") { index += 1 }
        }

        func fail(_ reason: String) -> ParseError { ParseError(line: line, reason: reason) }

        mutating func parseValue() throws(ParseError) -> JSONValue {
            skipSpaces()
            guard index < scalars.count else { throw fail("a value is missing") }
            switch scalars[index] {
            case "{": return try parseMapping()
            case "[": return try parseSequence()
            case "\"", "'": return .string(try parseQuoted())
            default:
                let start = index
                while index < scalars.count, !",]}".unicodeScalars.contains(scalars[index]) {
                    if scalars[index] == ":" && index + 1 < scalars.count && scalars[index + 1] == " " { break }
                    index += 1
                }
                let text = String(String.UnicodeScalarView(scalars[start..<index])).trimmingTrailingSpaces
                return try KubeconfigYAML.scalar(text, line: line)
            }
        }

        /// Enters a flow collection, refusing nesting deeper than `maximumDepth`.
        mutating func enter() throws(ParseError) {
            depth += 1
            guard depth <= KubeconfigYAML.maximumDepth else { throw fail("nesting deeper than \(KubeconfigYAML.maximumDepth) levels") }
        }

        mutating func parseMapping() throws(ParseError) -> JSONValue {
            try enter()
            defer { depth -= 1 }
            index += 1
            var object = JSONObject()
            skipSpaces()
            if index < scalars.count && scalars[index] == "}" {
                index += 1
                return .object(object)
            }
            while true {
                skipSpaces()
                let keyValue = try parseValue()
                guard case .string(let key) = keyValue else {
                    // Neither the key nor the value is quoted back: kubeconfig values are credentials.
                    throw fail("a flow mapping key must be a string (column \(index))")
                }
                skipSpaces()
                guard index < scalars.count, scalars[index] == ":" else {
                    throw fail("expected ': ' after a key of a flow mapping (column \(index + 1))")
                }
                index += 1
                object[key] = try parseValue()
                if try closesAfterElement("}", of: "mapping") { return .object(object) }
            }
        }

        mutating func parseSequence() throws(ParseError) -> JSONValue {
            try enter()
            defer { depth -= 1 }
            index += 1
            var items: [JSONValue] = []
            skipSpaces()
            if index < scalars.count && scalars[index] == "]" {
                index += 1
                return .array(items)
            }
            while true {
                items.append(try parseValue())
                if try closesAfterElement("]", of: "sequence") { return .array(items) }
            }
        }

        /// After an element of a flow collection: consumes a `,` (more follow: `false`) or the closing bracket
        /// (`true`); anything else, or the end of the text, is an error naming the collection.
        mutating func closesAfterElement(_ closing: Unicode.Scalar, of collection: String) throws(ParseError) -> Bool {
            skipSpaces()
            guard index < scalars.count else { throw fail("unterminated flow \(collection)") }
            let next = scalars[index]
            guard next == "," || next == closing else { throw fail("expected ',' or '\(closing)' in a flow \(collection)") }
            index += 1
            return next == closing
        }

        mutating func parseQuoted() throws(ParseError) -> String {
            let quote = scalars[index]
            index += 1
            var result = String.UnicodeScalarView()
            while index < scalars.count {
                let scalar = scalars[index]
                index += 1
                if quote == "'" {
                    if scalar == "'" {
                        if index < scalars.count && scalars[index] == "'" {
                            result.append("'")
                            index += 1
                            continue
                        }
                        return String(result)
                    }
                    result.append(scalar)
                    continue
                }
                if scalar == "\"" { return String(result) }
                if scalar != "\\" {
                    result.append(scalar)
                    continue
                }
                guard index < scalars.count else { break }
                let escape = scalars[index]
                index += 1
                switch escape {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "0": result.append("\0")
                case "\"", "\\", "/", " ": result.append(escape)
                case "x", "u", "U":
                    let length = escape == "x" ? 2 : escape == "u" ? 4 : 8
                    guard index + length <= scalars.count,
                        let value = UInt32(String(String.UnicodeScalarView(scalars[index..<(index + length)])), radix: 16),
                        let decoded = Unicode.Scalar(value)
                    else { throw fail("invalid \\\(escape) escape") }
                    result.append(decoded)
                    index += length
                default: throw fail("invalid escape \\\(escape) in a double-quoted string")
                }
            }
            throw fail("unterminated quoted string")
        }
    }

    /// A plain or quoted scalar.
    static func scalar(_ text: String, line: Int) throws(ParseError) -> JSONValue {
        if let first = text.first, first == "\"" || first == "'" {
            var flow = FlowParser(Array(text.unicodeScalars), line: line)
            let value = try flow.parseQuoted()
            flow.skipSpaces()
            guard flow.atEnd else { throw ParseError(line: line, reason: "unexpected text after a quoted string") }
            return .string(value)
        }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if let number = JSONNumber(literal: text) { return .number(number) }
        return .string(text)
    }
}

private extension String {
    var trimmingLeadingSpaces: String { String(drop { $0 == " " || $0 == "\t" }) }
    var trimmingTrailingSpaces: String {
        var text = self
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}

private extension JSONValue {
    var compactDescription: String { String(decoding: serialized(), as: UTF8.self) }
}
