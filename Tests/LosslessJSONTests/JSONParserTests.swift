import Testing
@testable import LosslessJSON

@Suite("JSON parsing and serialising")
struct JSONParserTests {
    private func roundTrip(_ text: String) throws -> String {
        String(decoding: try JSONValue.parse(text).serialized(), as: UTF8.self)
    }

    @Test("compact documents re-serialise byte for byte: key order and number literals are kept")
    func compactRoundTripIsExact() throws {
        let documents = [
            #"{"b":1,"a":9007199254740993,"c":1.50e+10,"d":-0.0,"e":1E-7,"f":123456789012345678901234567890}"#,
            #"{"kind":"VirtualMachine","metadata":{"name":"vm1","labels":{"a.b/c":"d"}},"spec":{"running":false}}"#,
            #"[null,true,false,"",[],{},[[]],{"":{}}]"#,
            #""plain string""#,
            "0",
            "-12.5",
        ]
        for document in documents {
            #expect(try roundTrip(document) == document)
        }
    }

    @Test("whitespace is dropped and the value is unchanged")
    func whitespaceIsDropped() throws {
        #expect(try roundTrip(" {\n\t\"a\" : [ 1 , 2 ] ,\r\n \"b\":{ } } ") == #"{"a":[1,2],"b":{}}"#)
    }

    @Test("large integers never pass through a double")
    func largeIntegersStayExact() throws {
        let value = try JSONValue.parse(#"{"n":9007199254740993}"#)
        #expect(try value.number(at: ["n"])?.literal == "9007199254740993")
        #expect(try value.number(at: ["n"])?.int64Value == 9_007_199_254_740_993)
    }

    @Test("escapes decode to the right text and re-encode as valid JSON")
    func escapes() throws {
        let value = try JSONValue.parse(#""q\"b\\s\/n\nt\tr\rb\bf\fu\u00e9\ud83d\ude00""#)
        #expect(value == .string("q\"b\\s/n\nt\tr\rb\u{08}f\u{0C}u\u{E9}\u{1F600}"))
        let reencoded = value.serialized()
        #expect(try JSONValue.parse(reencoded) == value)
        #expect(String(decoding: reencoded, as: UTF8.self) == #""q\"b\\s/n\nt\tr\rb\bf\fué😀""#)
    }

    @Test("control characters are escaped as \\u00XX")
    func controlCharacters() {
        let text = JSONValue.string("a\u{01}b\u{1F}c\u{7F}").description
        #expect(text == "\"a\\u0001b\\u001fc\u{7F}\"")
    }

    @Test("raw UTF-8 passes through unescaped")
    func unicodePassesThrough() throws {
        #expect(try roundTrip(#"{"名前":"仮想マシン 🖥"}"#) == #"{"名前":"仮想マシン 🖥"}"#)
    }

    @Test("a repeated key keeps its first position and its last value")
    func duplicateKeys() throws {
        #expect(try roundTrip(#"{"a":1,"b":2,"a":3}"#) == #"{"a":3,"b":2}"#)
        // More than 16 keys switches the duplicate check to a hash table.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        let parsed = try JSONValue.parse("{\(many),\"k5\":\"last\",\"k39\":true}")
        #expect(parsed.objectValue?.count == 40)
        #expect(parsed.objectValue?.keys.first == "k0")
        #expect(try parsed.string(at: ["k5"]) == "last")
        #expect(try parsed.bool(at: ["k39"]) == true)
    }

    @Test(
        "malformed input is rejected with the byte offset of the problem",
        arguments: [
            ("", 0, "empty input"),
            ("   ", 3, "empty input"),
            ("[1,]", 3, "expected a JSON value"),
            (#"{"a":1,}"#, 7, "expected a string key"),
            ("01", 1, "unexpected data after"),
            ("1.", 0, "invalid number"),
            ("-", 0, "invalid number"),
            ("1e", 0, "invalid number"),
            ("+1", 0, "expected a JSON value"),
            ("tru", 0, "invalid literal"),
            ("nul", 0, "invalid literal"),
            (#""abc"#, 0, "unterminated string"),
            (#""ab\"#, 0, "unterminated string"),
            ("[1] x", 4, "unexpected data after"),
            (#""\x""#, 1, "invalid escape"),
            (#""\u12G4""#, 5, "invalid hex digit"),
            (#""\ud800""#, 1, "unpaired surrogate"),
            (#""\udc00x""#, 1, "unpaired surrogate"),
            (#"{"a" 1}"#, 5, "expected ':'"),
            (#"{"a":1 "b":2}"#, 7, "expected ',' or '}'"),
            ("[1 2]", 3, "expected ',' or ']'"),
            ("{1:2}", 1, "expected a string key"),
            ("[", 1, "unexpected end of input"),
            ("'a'", 0, "unexpected"),
            ("NaN", 0, "unexpected"),
        ] as [(String, Int, String)]
    )
    func malformed(input: String, offset: Int, reason: String) {
        #expect {
            try JSONValue.parse(input)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == offset && error.reason.contains(reason)
                && error.description.hasSuffix("at byte offset \(offset)")
        }
    }

    @Test("raw control characters and invalid UTF-8 inside strings are rejected")
    func invalidStringBytes() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0x61, 0x0A, 0x22]) }
        #expect(throws: JSONParseError(offset: 1, reason: "invalid UTF-8 in string")) {
            try JSONValue.parse([0x22, 0x61, 0xFF, 0x22])
        }
        #expect(throws: JSONParseError.self) { try JSONValue.parse([0x22, 0x5C, 0x6E, 0xC3, 0x22]) }
    }

    @Test("nesting is bounded")
    func depthLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(try roundTrip(ok) == ok)
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        #expect(throws: JSONParseError(offset: 512, reason: "nesting deeper than 512 levels")) {
            try JSONValue.parse(deep)
        }
        let deepObjects = String(repeating: #"{"a":"#, count: 600) + "1" + String(repeating: "}", count: 600)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(deepObjects) }
        #expect(throws: JSONParseError.self) { try JSONValue.parse("[[1]]", maximumDepth: 1) }
    }

    @Test("equality is semantic: member order does not matter, number text does")
    func semanticEquality() throws {
        #expect(try JSONValue.parse(#"{"a":1,"b":[1,2]}"#) == JSONValue.parse(#"{"b":[1,2],"a":1}"#))
        #expect(try JSONValue.parse(#"{"a":[1,2]}"#) != JSONValue.parse(#"{"a":[2,1]}"#))
        #expect(try JSONValue.parse("1") != JSONValue.parse("1.0"))
        #expect(try JSONValue.parse(#"{"a":1}"#) != JSONValue.parse(#"{"a":1,"b":2}"#))
    }

    @Test("number literals are validated when built in code")
    func numberLiterals() {
        #expect(JSONNumber(literal: "1.5e3")?.literal == "1.5e3")
        #expect(JSONNumber(literal: "01") == nil)
        #expect(JSONNumber(literal: "") == nil)
        #expect(JSONNumber(literal: "1 ") == nil)
        #expect(JSONNumber(-42).literal == "-42")
    }

    @Test("keys that are canonically equivalent but have other bytes stay apart, as Go keeps them", arguments: [0, 20])
    func canonicallyEquivalentKeys(padding: Int) throws {
        // "é" as one code point (U+00E9) and as "e" + combining acute (U+0301): equal as Swift Strings, two keys to Go.
        // With padding the object is large enough for the parser's duplicate-key table.
        let filler = (0..<padding).map { #""k\#($0)":0,"# }.joined()
        let text = "{" + filler + #""\#u{E9}":1,"e\#u{301}":2}"#
        let parsed = try JSONValue.parse(text)
        let object = try #require(parsed.objectValue)
        #expect(object.count == padding + 2)
        #expect(object["\u{E9}"] == 1 && object["e\u{301}"] == 2)
        #expect(parsed.serialized() == Array(text.utf8))
        let selected = try JSONValue.parse(Array(text.utf8), selecting: .members([JSONSelection.Wanted("e\u{301}")]))
        #expect(selected.objectValue?.keys == ["e\u{301}"] && selected.objectValue?["e\u{301}"] == 2)
        #expect(JSONValue.string("\u{E9}") != JSONValue.string("e\u{301}"))
        var edited = parsed
        try edited.setValue(3, at: [.key("e\u{301}")])
        #expect(edited.objectValue?["\u{E9}"] == 1 && edited.objectValue?["e\u{301}"] == 3)
    }

    @Test("a number beyond float64's range is found by path; large and tiny ones within it are not")
    func numbersBeyondFloat64() throws {
        #expect(try JSONValue.parse(#"{"a":[1,{"b":-1e400}]}"#).firstNumberBeyondFloat64() == ["a", 1, "b"])
        #expect(try JSONValue.parse(#"{"a":1e308,"b":1e-400,"c":123456789012345678901234567890,"d":2.50}"#).firstNumberBeyondFloat64() == nil)
        #expect(try JSONValue.parse("[" + String(repeating: "9", count: 400) + "]").firstNumberBeyondFloat64() == [0])
    }

    @Test("a large document (a 5,000-pod list) round-trips to identical bytes")
    func largeDocument() throws {
        let pod = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"virt-launcher-vm-%d","annotations":{"kubevirt.io/domain":"vm-%d"},"labels":{"kubevirt.io":"virt-launcher"}},"spec":{"containers":[{"name":"compute","resources":{"limits":{"cpu":"100m","memory":"1Gi"}}}]},"status":{"phase":"Running","podIP":"10.0.0.1"}}"#
        let items = (0..<5000).map { pod.replacingAll("%d", with: String($0)) }
        let text = #"{"kind":"PodList","items":["# + items.joined(separator: ",") + "]}"
        let bytes = Array(text.utf8)
        let parsed = try JSONValue.parse(bytes)
        #expect(parsed.serialized(reservingCapacity: bytes.count) == bytes)
        #expect(try parsed.array(at: ["items"])?.count == 5000)
        #expect(try parsed.string(at: ["items", 4999, "metadata", "annotations", "kubevirt.io/domain"]) == "vm-4999")
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
