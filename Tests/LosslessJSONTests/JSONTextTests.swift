import Testing
@testable import LosslessJSON

/// `JSONText`: edits inside JSON text that keep every other byte.
@Suite struct JSONTextTests {
    func ranges(_ key: String, _ text: String) throws -> [String] {
        let bytes = Array(text.utf8)
        return try JSONText.topLevelMemberValueRanges(key, in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test("top-level members only, found past strings, escapes and containers that look like members")
    func topLevel() throws {
        let text = #" { "a" : {"k": "x}\"{"}, "s": "\"k\": 1", "k":[1, {"k":2}] , "n": -1.5e3, "k" :true } "#
        #expect(try ranges("k", text) == [#"[1, {"k":2}]"#, "true"])
        #expect(try ranges("n", text) == ["-1.5e3"])
        #expect(try ranges("s", text) == [#""\"k\": 1""#])
        #expect(try ranges("missing", text) == [])
    }

    @Test("a key is compared after its escapes are decoded")
    func escapedKey() throws {
        #expect(try ranges("name", #"{"n\u0061me":"x"}"#) == [#""x""#])
    }

    @Test("invalid JSON is the parser's error; a value that is not an object has no members")
    func invalid() throws {
        #expect(throws: JSONParseError.self) { try ranges("k", #"{"k":"#) }
        #expect(try ranges("k", #"["k", 1]"#) == [])
        #expect(try ranges("k", #""k""#) == [])
    }

    @Test("replacing a value writes an escaped JSON string and keeps the bytes around it")
    func replace() throws {
        let text = "{\n\t\"k\" :  \"old\"  ,\"z\":1}"
        let bytes = Array(text.utf8)
        let range = try #require(try JSONText.topLevelMemberValueRanges("k", in: bytes).first)
        let edited = JSONText.replacing(range, in: bytes, withString: "new \"quoted\"\n")
        #expect(String(decoding: edited, as: UTF8.self) == "{\n\t\"k\" :  \"new \\\"quoted\\\"\\n\"  ,\"z\":1}")
    }
}
