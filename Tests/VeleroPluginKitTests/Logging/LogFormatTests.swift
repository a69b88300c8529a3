import LosslessJSON
import Foundation
import Logging
import Testing
@testable import VeleroPluginKit

@Suite struct LogFormatTests {
    private func object(_ bytes: [UInt8]) throws -> [String: Any] {
        #expect(bytes.last == 10, "one line, newline-terminated")
        #expect(!bytes.dropLast().contains(10), "no newline inside the line")
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes.dropLast())) as? [String: Any])
    }

    @Test func lineHasVelerosKeysWithWarnNotWarningAndSortedKeys() throws {
        let line = VeleroLogSink.render(
            level: .warning, message: "Backup of a running VM does not contain VMI.", source: "KubeVirtVeleroPlugin/VM.swift:12",
            fields: [("namespace", "ns1"), ("name", "vm1"), ("@message", "spoofed")])
        let text = String(decoding: line, as: UTF8.self)
        #expect(text == #"{"@level":"warn","@logSourceSetBy":"plugin","@message":"Backup of a running VM does not contain VMI.","level":"warning","logSource":"KubeVirtVeleroPlugin/VM.swift:12","name":"vm1","namespace":"ns1"}"# + "\n")
        _ = try object(line)
    }

    @Test func messagesAreEscapedAndTruncatedBelowVelerosLineLimit() throws {
        let hostile = "quote \" backslash \\ newline \n tab \t nul \u{0} bell \u{7} é ✓"
        let parsed = try object(VeleroLogSink.render(level: .info, message: hostile, source: "x:1", fields: []))
        #expect(parsed["@message"] as? String == hostile)
        let escaped = VeleroLogSink.render(level: .info, message: "a\"b\\c\nd\u{1}e\r\tf", source: "x:1", fields: [])
        #expect(String(decoding: escaped, as: UTF8.self).contains(#""@message":"a\"b\\c\nd\u0001e\r\tf","#))
        // One escaper for log lines and items (LosslessJSON's): backspace and form feed get their short escapes.
        var item: [UInt8] = []
        JSONValue.string("g\u{8}h\u{c}i").write(to: &item)
        let shortEscapes = VeleroLogSink.render(level: .info, message: "g\u{8}h\u{c}i", source: "x:1", fields: [])
        #expect(String(decoding: shortEscapes, as: UTF8.self).contains(#""@message":"g\bh\fi","#))
        #expect(String(decoding: shortEscapes, as: UTF8.self).contains(#""@message":"# + String(decoding: item, as: UTF8.self)))
        let huge = String(repeating: "a", count: 200_000)
        let line = VeleroLogSink.render(level: .error, message: huge, source: "x:1", fields: [("detail", huge)])
        #expect(line.count < 64 * 1024)
        #expect((try object(line)["@message"] as? String)?.hasSuffix("(truncated)") == true)
    }

    /// The 64 KiB bound is on the written line: 48 KiB of control characters escape to 288 KiB, and a thousand
    /// 4 KiB fields are 4 MiB; both lines stayed that long before. Multi-byte text is cut at a scalar boundary.
    @Test(arguments: [
        (String(repeating: "\u{1}", count: 48 * 1024), 0),
        (String(repeating: "\"", count: 100_000), 0),
        ("short", 1000),
        (String(repeating: "\u{1}é✓", count: 20_000), 1000),
    ])
    func theLineLimitHoldsAfterEscapingAndWithEveryField(message: String, fieldCount: Int) throws {
        let fields = (0..<fieldCount).map { ("field\($0)", String(repeating: "\u{2}", count: 4096)) }
        let line = VeleroLogSink.render(level: .info, message: message, source: "x:1", fields: fields)
        #expect(line.count <= 64 * 1024, "\(line.count) bytes")
        let parsed = try object(line)
        let written = try #require(parsed["@message"] as? String)
        #expect(written == message || written.hasSuffix("(truncated)"))
        #expect(message.hasPrefix(written.replacingOccurrences(of: " …(truncated)", with: "")))
        #expect(parsed["logSource"] as? String == "x:1")
        if fieldCount == 0 { #expect(written.utf8.count > 8 * 1024, "escaping does not cost the whole message") }
    }

    @Test func levelsAboveErrorAreReportedAsErrorAndThresholdsFilter() {
        #expect(VeleroLogLevel.fatal.hostName == "error")
        #expect(VeleroLogLevel.trace.hostName == "trace")
        let sink = VeleroLogSink()
        sink.level = .warning
        #expect(!sink.isEnabled(.info))
        #expect(sink.isEnabled(.warning) && sink.isEnabled(.error))
        sink.level = .fatal
        #expect(!sink.isEnabled(.error), "fatal and panic thresholds silence the plugin")
    }

    @Test func metadataOfEveryShapeBecomesStrings() {
        #expect(VeleroLogHandler.flatten(.string("x")) == "x")
        #expect(VeleroLogHandler.flatten(.stringConvertible(42)) == "42")
        #expect(VeleroLogHandler.flatten(.array([.string("a"), .string("b")])) == "[a b]")
        #expect(VeleroLogHandler.flatten(.dictionary(["k": .string("v")])) == "map[k:v]")
    }
}
