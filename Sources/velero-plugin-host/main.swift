import ArgumentParser
import Foundation
import PluginHost
import VeleroPluginKit

/// Drives a Velero plugin binary the way Velero does, without a cluster.
@main
struct VeleroPluginHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "velero-plugin-host",
        abstract: "Drive a Velero plugin binary the way Velero does, without a cluster.",
        subcommands: [Plugins.self, Bench.self])
}

struct Plugins: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List a binary's plugins like `velero plugin get` (v1 item actions also appear under their v2 kind).")

    @Argument(help: "Path of the plugin binary.") var binary: String
    @Option(name: .customLong("arg"), help: "A launch argument passed verbatim (repeatable).")
    var arguments: [String] = ["--log-level", "info", "--features=EnableCSI"]

    func run() async throws {
        let host = try await PluginHost(path: binary, arguments: arguments)
        let plugins = try await host.listPlugins()
        await host.kill()
        var rows: [(String, String)] = []
        for plugin in plugins {
            rows.append((plugin.name, plugin.kind))
            // Velero's manager also lists every v1 item action under the v2 kind (protocol spec §8.1).
            if plugin.kind == "BackupItemAction" { rows.append((plugin.name, "BackupItemActionV2")) }
            if plugin.kind == "RestoreItemAction" { rows.append((plugin.name, "RestoreItemActionV2")) }
        }
        let width = max(4, rows.map(\.0.count).max() ?? 0)
        print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "   KIND")
        for (name, kind) in rows { print(name.padding(toLength: width, withPad: " ", startingAt: 0) + "   " + kind) }
    }
}

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure handshake time, Execute latency (p50/p99), throughput with concurrent callers and RSS.")

    @Argument(help: "Path of the plugin binary.") var binary: String
    @Option(help: "Plugin name to call.") var action: String
    @Option(help: "Kind of the plugin: BackupItemAction, RestoreItemAction or ItemBlockAction.")
    var kind: String = "BackupItemAction"
    @Option(help: "JSON file with the item (default: a small Pod).") var item: String?
    @Option(help: "JSON file with the Backup or Restore (default: {}).") var context: String?
    @Option(help: "Process launches to time the handshake.") var launches = 20
    @Option(help: "Sequential Execute calls.") var calls = 2000
    @Option(help: "Concurrent caller counts for throughput, comma-separated.") var concurrency = "1,4,16"

    func run() async throws {
        guard let pluginKind = PluginKind(rawValue: kind) else { throw ValidationError("unknown kind \(kind)") }
        let itemBytes = try item.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) }
            ?? Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bench","namespace":"default"}}"#.utf8)
        let contextBytes = try context.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) } ?? Array("{}".utf8)
        let settings = PluginBenchmark.Settings(
            path: binary, action: action, kind: pluginKind, item: itemBytes, context: contextBytes, launches: launches,
            calls: calls, concurrency: concurrency.split(separator: ",").compactMap { Int($0) })
        let report = try await PluginBenchmark(settings).run()
        print("plugin:      \(binary)")
        print("action:      \(kind) \(action)")
        print("handshake:   \(report.handshake)")
        print("execute:     \(report.execute)")
        for (callers, rate) in report.throughput {
            print("throughput:  \(callers) caller(s): \(Int(rate)) calls/s")
        }
        print("rss:         idle \(report.idleRSSKiB.map { "\($0) KiB" } ?? "?"), peak \(report.peakRSSKiB.map { "\($0) KiB" } ?? "?")")
        print("failures:    \(report.failures)")
        if report.failures > 0 { throw ExitCode(1) }
    }
}
