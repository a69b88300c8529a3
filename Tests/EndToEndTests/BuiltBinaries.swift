import Foundation
import PluginHost

/// Paths of the executables SwiftPM built next to this test bundle (`make test` builds them first).
enum BuiltBinaries {
    static var directory: String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (executable as NSString).deletingLastPathComponent
    }

    static func path(_ name: String) throws -> String {
        let path = directory + "/" + name
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw PluginHostError("\(path) is missing: run `swift build` (make test does) before the end-to-end tests")
        }
        return path
    }

    static var kitTestPlugin: String { get throws { try path("kit-test-plugin") } }
    static var kubevirtPlugin: String { get throws { try path("kubevirt-velero-plugin") } }
}

/// A private scratch directory for one test.
func makeScratchDirectory() throws -> String {
    let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    let path = base + "/e2e-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}
