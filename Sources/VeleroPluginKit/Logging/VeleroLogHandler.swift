import LosslessJSON
import CGRPCShim
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Velero's `--log-level` values (logrus names) and their order, lowest first.
public enum VeleroLogLevel: Int, Sendable, Comparable, CaseIterable {
    case trace, debug, info, warning, error, fatal, panic

    public init?(name: String) {
        switch name.lowercased() {
        case "trace": self = .trace
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        case "fatal": self = .fatal
        case "panic": self = .panic
        default: return nil
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    init(_ level: Logger.Level) {
        switch level {
        case .trace: self = .trace
        case .debug: self = .debug
        case .info, .notice: self = .info
        case .warning: self = .warning
        case .error, .critical: self = .error
        }
    }

    /// `@level` as Velero's host parses it: `warn`, never `warning`; nothing above `error`.
    var hostName: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .warning: "warn"
        case .error, .fatal, .panic: "error"
        }
    }

    /// logrus' own `level` key, which a Go plugin emits as well.
    var logrusName: String {
        switch self {
        case .trace: "trace"
        case .debug: "debug"
        case .info: "info"
        case .warning: "warning"
        case .error: "error"
        case .fatal: "fatal"
        case .panic: "panic"
        }
    }
}

/// Where plugin log lines go: one compact JSON object per line on fd 2, shared by every logger of the process.
public final class VeleroLogSink: Sendable {
    public static let standardError = VeleroLogSink()

    private let threshold = Atomic<Int>(VeleroLogLevel.info.rawValue)
    /// Velero reads stderr in 64 KiB lines; longer ones arrive in fragments logged raw at Debug. The bound holds for
    /// the line as written, newline included, after escaping (a control character takes six bytes) and with every
    /// field.
    static let maxLineBytes = 64 * 1024 - 1
    /// A message is cut here before it is escaped, and shorter if the escaped line would still be too long.
    static let maxMessageBytes = 48 * 1024
    static let maxFieldValueBytes = 4096

    public var level: VeleroLogLevel {
        get { VeleroLogLevel(rawValue: threshold.load(ordering: .relaxed)) ?? .info }
        set { threshold.store(newValue.rawValue, ordering: .relaxed) }
    }

    public func isEnabled(_ level: VeleroLogLevel) -> Bool { level >= self.level && self.level < .fatal }

    /// Renders and writes one line. `fields` must not contain the reserved keys; their values are written as strings.
    public func write(level: VeleroLogLevel, message: String, source: String, fields: [(String, String)]) {
        guard isEnabled(level) else { return }
        let line = Self.render(level: level, message: message, source: source, fields: fields)
        line.withUnsafeBufferPointer { gs_log_write($0.baseAddress, $0.count) }
    }

    /// From now on lines leave in batches: one write(2) per `delayMilliseconds` while lines keep coming, instead of
    /// one per line (gs_shim.h: order kept, pending lines written at exit and before a crash line).
    public func startBatching(delayMilliseconds: Int32 = 5) {
        _ = gs_log_start_batching(delayMilliseconds)
    }

    /// The JSON line (with its trailing newline), keys in byte order like logrus' JSON formatter, at most
    /// `maxLineBytes` long: a line over the bound keeps its first 16 fields cut to 256 bytes (keys to 64), and then its
    /// message is shortened by what is still over, measured after escaping.
    static func render(level: VeleroLogLevel, message: String, source: String, fields: [(String, String)]) -> [UInt8] {
        let reserved: Set<String> = ["@level", "@logSourceSetBy", "@message", "level", "logSource", "@timestamp"]
        var message = truncated(message, toBytes: maxMessageBytes)
        var extra = fields.filter { !reserved.contains($0.0) }.map { ($0.0, truncated($0.1, toBytes: maxFieldValueBytes, marker: " …")) }
        var line = encode(level: level, message: message, source: source, fields: extra)
        if line.count > maxLineBytes {
            extra = extra.prefix(16).map { (truncated($0.0, toBytes: 64, marker: "…"), truncated($0.1, toBytes: 256, marker: " …")) }
            line = encode(level: level, message: message, source: source, fields: extra)
        }
        // Each raw byte of the message takes at least one byte of the line, so cutting the excess (and room for the
        // marker) always fits; when escaping inflates the message that cuts far too much, and the cut in proportion
        // to the overflow keeps more. The larger of the two is taken; every round shortens the message by 32 bytes
        // or more, and the first or second round fits in practice.
        while line.count > maxLineBytes, !message.isEmpty {
            let count = message.utf8.count
            let exact = count - (line.count - maxLineBytes) - 32
            let proportional = count * maxLineBytes / line.count - 32
            message = truncated(message, toBytes: max(0, exact, proportional))
            line = encode(level: level, message: message, source: source, fields: extra)
        }
        return line
    }

    private static func encode(level: VeleroLogLevel, message: String, source: String, fields: [(String, String)]) -> [UInt8] {
        var pairs: [(String, String)] = [
            ("@level", level.hostName), ("@logSourceSetBy", "plugin"), ("@message", message),
            ("level", level.logrusName), ("logSource", source),
        ]
        pairs.append(contentsOf: fields)
        pairs.sort { $0.0.utf8.lexicographicallyPrecedes($1.0.utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(128 + message.utf8.count)
        out.append(UInt8(ascii: "{"))
        for (index, (key, value)) in pairs.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONValue.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONValue.appendString(value, to: &out)
        }
        out.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
        return out
    }

    /// `text` cut to at most `limit` UTF-8 bytes at a scalar boundary, with `marker` appended when cut.
    static func truncated(_ text: String, toBytes limit: Int, marker: String = " …(truncated)") -> String {
        let utf8 = text.utf8
        guard utf8.count > limit else { return text }
        var end = utf8.index(utf8.startIndex, offsetBy: limit)
        while end > utf8.startIndex, utf8[end] & 0xC0 == 0x80 { end = utf8.index(before: end) }
        return String(Substring(text.unicodeScalars[..<end])) + marker
    }
}

/// A swift-log handler that writes Velero's JSON line format (`@level`, `@message`, `@logSourceSetBy`,
/// `logSource`, metadata as string fields) through a `VeleroLogSink`.
public struct VeleroLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let sink: VeleroLogSink

    public init(label: String, sink: VeleroLogSink = .standardError) {
        self.sink = sink
    }

    /// swift-log filters before calling `log`; the sink filters again with the full logrus range (fatal/panic).
    public var logLevel: Logger.Level {
        get {
            switch sink.level {
            case .trace: .trace
            case .debug: .debug
            case .info: .info
            case .warning: .warning
            case .error, .fatal, .panic: .error
            }
        }
        set {}
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        var fields = merged.map { ($0.key, Self.flatten($0.value)) }
        if let error = event.error { fields.append(("error", String(describing: error))) }
        sink.write(
            level: VeleroLogLevel(event.level), message: event.message.description,
            source: "\(event.file):\(event.line)", fields: fields)
    }

    /// Every field is written as a string: Velero's counter hook panics on a non-string `namespace`, `name` or
    /// `resource`.
    static func flatten(_ value: Logger.Metadata.Value) -> String {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): "[" + values.map(flatten).joined(separator: " ") + "]"
        case .dictionary(let entries):
            "map[" + entries.sorted { $0.key < $1.key }.map { "\($0.key):\(flatten($0.value))" }.joined(separator: " ")
                + "]"
        }
    }
}
