import Foundation

/// Runs Debian's `protoc --encode/--decode` against the project's own .proto files, so codec tests compare with
/// bytes produced by the reference protobuf implementation rather than with literals written by hand.
enum Protoc {
    static let protoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("proto").path

    static let files = [
        "Shared.proto", "PluginLister.proto", "BackupItemAction.proto", "RestoreItemAction.proto",
        "backupitemaction/v2/BackupItemAction.proto", "restoreitemaction/v2/RestoreItemAction.proto",
        "itemblockaction/v1/ItemBlockAction.proto", "grpc/health/v1/health.proto", "google/rpc/status.proto",
    ]

    struct Failure: Error, CustomStringConvertible { var description: String }

    static func encode(_ type: String, _ text: String) throws -> [UInt8] {
        try run(["--encode=\(type)"], input: Array(text.utf8))
    }

    static func decode(_ type: String, _ bytes: [UInt8]) throws -> String {
        String(decoding: try run(["--decode=\(type)"], input: bytes), as: UTF8.self)
    }

    private static func run(_ mode: [String], input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/protoc")
        process.arguments = mode + ["-I\(protoRoot)", "-I/usr/include"] + files
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "protoc \(mode) failed: \(String(decoding: errors, as: UTF8.self))")
        }
        return Array(output)
    }
}
