/// Which parts of a JSON document to materialise while parsing. Everything else is still checked as strictly as
/// by `JSONValue.parse` (the same errors at the same offsets) but skipped without creating strings, arrays or
/// objects — for large documents of which a caller needs a few fields, such as a Kubernetes LIST of full pods whose
/// names and annotations are all it reads.
public indirect enum JSONSelection: Sendable {
    /// The value, whole.
    case all
    /// An object keeps only the listed members, each reduced by its own selection (a repeated key keeps its first
    /// position and last value, as `parse` does). A value that is not an object is kept whole.
    case members([Wanted])
    /// An array keeps every element, each reduced by this selection. A value that is not an array is kept whole.
    case elements(JSONSelection)

    /// A member of `members`.
    public struct Wanted: Sendable {
        public let key: String
        public let selection: JSONSelection
        let keyBytes: [UInt8]

        public init(_ key: String, _ selection: JSONSelection = .all) {
            self.key = key
            self.selection = selection
            keyBytes = Array(key.utf8)
        }
    }

    /// An object selection from key → selection pairs.
    public static func members(_ pairs: KeyValuePairs<String, JSONSelection>) -> JSONSelection {
        .members(pairs.map { Wanted($0.key, $0.value) })
    }
}

extension JSONValue {
    /// Parses `bytes` like `parse(_:maximumDepth:)` and keeps only what `selection` names.
    public static func parse(
        _ bytes: [UInt8], selecting selection: JSONSelection, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONParseError) -> JSONValue {
        let result: Result<JSONValue, JSONParseError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer, maximumDepth: maximumDepth)
            do throws(JSONParseError) {
                return .success(try parser.parseDocument(selecting: selection))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

extension JSONValue {
    /// This value reduced by `selection`: `parse(bytes, selecting: s)` equals `parse(bytes).selecting(s)`.
    public func selecting(_ selection: JSONSelection) -> JSONValue {
        switch (selection, self) {
        case (.members(let wanted), .object(let object)):
            var kept = JSONObject()
            for member in object.members {
                if let match = wanted.first(where: { $0.key.hasSameBytes(as: member.key) }) {
                    kept[member.key] = member.value.selecting(match.selection)
                }
            }
            return .object(kept)
        case (.elements(let each), .array(let elements)):
            return .array(elements.map { $0.selecting(each) })
        default:
            return self
        }
    }
}
