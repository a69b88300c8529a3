import Foundation
import Testing
@testable import LosslessJSON

@Suite("Selective parsing")
struct JSONSelectionTests {
    /// A Kubernetes LIST shape: a few fields of each item, the continue token.
    static let listSelection: JSONSelection = .members([
        "items": .elements(.members([
            "metadata": .members([
                "name": .all, "uid": .all, "labels": .all, "annotations": .members(["kubevirt.io/domain": .all]),
            ]),
            "status": .members(["phase": .all]),
        ])),
        "metadata": .members(["continue": .all]),
    ])

    static let selections: [JSONSelection] = [
        .all, listSelection, .members([]), .elements(.members(["a": .all])),
        .members(["a": .members(["b": .elements(.all)]), "é": .all, "k\"q": .all, "x": .elements(.members(["y": .all]))]),
    ]

    static var fixtures: [[UInt8]] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap { try? Array(Data(contentsOf: directory.appendingPathComponent($0))) }
    }

    static let documents: [String] = [
        #"{"items":[{"metadata":{"name":"a","uid":"1","labels":{"x":"y"},"annotations":{"kubevirt.io/domain":"vm","other":"o"},"managedFields":[{"f":1}]},"spec":{"big":[1,2,3]},"status":{"phase":"Running","conditions":[]}}],"metadata":{"continue":"tok","resourceVersion":"9"},"kind":"PodList"}"#,
        #"{"items":null}"#,
        #"{"items":[{"metadata":"not an object","status":7},{"metadata":{"annotations":[1]}}]}"#,
        #"{"a":1,"b":{"c":[true,false,null,-1.5e3,"s\u00e9\ud83d\ude00\n"]},"a":{"b":[[],{}]},"é":"x","k\"q":2,"x":[{"y":1,"z":2},3]}"#,
        #"[{"a":1,"b":2},{"b":3},[],"s",{"a":{"deep":[{"x":"\\"}]}}]"#,
        #"{"\u0061":"escaped key","a":"plain key"}"#,
        "  17  ", #""\ud83d\ude00""#, "[]", "{}",
    ]

    @Test("the selected parse equals the full parse reduced by the selection, for every selection and document")
    func equalsTheReducedFullParse() throws {
        for document in Self.documents.map({ Array($0.utf8) }) + Self.fixtures {
            let full = try JSONValue.parse(document)
            for selection in Self.selections {
                let selected = try JSONValue.parse(document, selecting: selection)
                #expect(selected == full.selecting(selection))
                // Key order is kept too, not only the members.
                #expect(selected.serialized() == full.selecting(selection).serialized())
            }
            #expect(try JSONValue.parse(document, selecting: .all).serialized() == full.serialized())
        }
    }

    @Test("a LIST keeps only the selected fields of each item")
    func listShape() throws {
        let value = try JSONValue.parse(Array(Self.documents[0].utf8), selecting: Self.listSelection)
        #expect(value.serialized() == Array(#"{"items":[{"metadata":{"name":"a","uid":"1","labels":{"x":"y"},"annotations":{"kubevirt.io/domain":"vm"}},"status":{"phase":"Running"}}],"metadata":{"continue":"tok"}}"#.utf8))
    }

    @Test("invalid documents fail with the full parse's error, in selected and in skipped parts")
    func errorsAreTheFullParsesErrors() {
        let texts: [String] = [
            #"{"items":[{"spec":{"x":"\ud800"}}]}"#,
            #"{"items":[{"spec":{"x":"\q"}}]}"#, #"{"items":[{"spec":{"x":[1,]}}]}"#, #"{"items":[{"spec":{"x":01}}]}"#,
            #"{"items":[{"spec":{"x":tru}}]}"#, #"{"items":[{"spec":{"x" 1}}]}"#, #"{"items":[{"spec":{"x":1}]}"#,
            #"{"items":[{"spec":{"x":"unterminated}}]}"#, #"{"items":[{"spec":{3:1}}]}"#, #"{"items":[{"metadata":{"name":"a"#,
            #"{"items":[],"metadata":{}} x"#, "", "   ", #"{"k":"\u00zz"}"#, "[" + String(repeating: "[", count: 600),
            "{\"items\":[{\"spec\":{\"x\":\"a\u{01}b\"}}]}",  // a raw control character, skipped
        ]
        var invalid: [[UInt8]] = texts.map { Array($0.utf8) }
        invalid.append(Array(#"{"items":[{"spec":{"x":""#.utf8) + [0xC3, 0x28] + Array(#""}}]}"#.utf8))  // bad UTF-8, skipped
        invalid.append(Array(#"{"items":[{"metadata":{"name":""#.utf8) + [0xFF] + Array(#""}}]}"#.utf8))  // bad UTF-8, selected
        invalid.append(Array(#"{""#.utf8) + [0xE2, 0x82] + Array(#"":1}"#.utf8))  // bad UTF-8 in a key
        for document in invalid {
            let expected = Self.error { () throws(JSONParseError) in _ = try JSONValue.parse(document) }
            #expect(expected != nil, "\(String(decoding: document, as: UTF8.self))")
            for selection in Self.selections {
                let actual = Self.error { () throws(JSONParseError) in _ = try JSONValue.parse(document, selecting: selection) }
                #expect(actual == expected, "\(String(decoding: document, as: UTF8.self))")
            }
        }
    }

    static func error(_ body: () throws(JSONParseError) -> Void) -> JSONParseError? {
        do { try body() } catch { return error }
        return nil
    }
}
