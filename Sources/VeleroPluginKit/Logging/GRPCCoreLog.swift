import Logging

/// gRPC core's log lines, routed into the plugin's JSON format instead of C core's plain text on stderr.
enum GRPCCoreLog {
    static let logger = Logger(label: "grpc-core")

    static func forward(severity: Int32, file: UnsafePointer<CChar>?, line: Int32, message: UnsafePointer<CChar>?) {
        let text = message.map { String(cString: $0) } ?? ""
        let source = file.map { String(cString: $0) } ?? "grpc"
        let level: Logger.Level =
            switch severity {
            case 0: .debug
            case 1: .info
            default: .warning  // C core's "errors" are transport events (a peer hung up); Velero counts error lines
            }
        logger.log(level: level, "\(text)", file: source, line: UInt(max(line, 0)))
    }
}
