import ArgumentParser
import Foundation
import LosslessJSON
import PluginHost
import PluginPerformance
import VeleroPluginKit
import VeleroSimulator

/// Where the plugin binary and the demo manifests are when not given: the plugin next to this executable, the
/// examples of the source tree in the working directory.
enum Defaults {
    static var pluginPath: String {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("kubevirt-velero-plugin").path
    }
    static let manifests = "examples/demo-namespace"
    static let workDirectory = FileManager.default.temporaryDirectory.path + "/velero-plugin-host-\(getpid())"

    /// `a,b , c` → ["a", "b", "c"].
    static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `key=value` (a bare key has the empty value: the plugin's flags are checked by presence).
    static func label(_ text: String) -> (String, String) {
        guard let equals = text.firstIndex(of: "=") else { return (text, "") }
        return (String(text[..<equals]), String(text[text.index(after: equals)...]))
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Launches the plugin like Velero, with the embedded cluster's kubeconfig, and discovers its actions.
struct PluginSession {
    let host: PluginHost
    let actions: PluginActions

    static func start(plugin: String, environment: [String: String]) async throws -> PluginSession {
        guard FileManager.default.isExecutableFile(atPath: plugin) else {
            throw ValidationError("plugin binary \(plugin) not found or not executable (build it with `swift build`, or pass --plugin)")
        }
        let host = try await PluginHost(
            path: plugin, arguments: ["--log-level", "info", "--features=EnableCSI"], environment: environment,
            handshakeTimeout: .seconds(30))
        do {
            return PluginSession(host: host, actions: try await PluginActions.discover(host))
        } catch {
            await host.kill()
            throw error
        }
    }

    /// Serves `objects` as the embedded cluster, launches the plugin against it, runs `body`, then stops both
    /// (also when `body` fails).
    static func run<Result>(
        plugin: String, objects: [ManifestObject], _ body: (PluginSession, EmbeddedCluster) async throws -> Result
    ) async throws -> Result {
        let cluster = try await EmbeddedCluster.start(objects: objects, directory: Defaults.workDirectory)
        defer { try? FileManager.default.removeItem(atPath: Defaults.workDirectory) }
        do {
            let session = try await PluginSession.start(plugin: plugin, environment: cluster.environment)
            let result: Result
            do {
                result = try await body(session, cluster)
            } catch {
                await session.host.kill()
                throw error
            }
            await session.host.kill()
            await cluster.stop()
            return result
        } catch {
            await cluster.stop()
            throw error
        }
    }
}

struct BackupPreview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Preview a Velero backup: walk manifests the way Velero walks a cluster and run the plugin's actions on them.",
        discussion: """
            The manifests are served to the plugin as a local Kubernetes API (plain HTTP on 127.0.0.1, generated \
            KUBECONFIG), so the plugin reads them through its real client. Prints one tree per ItemBlock with every \
            change the plugin made, the additional items it named, and the warnings and errors Velero would report. \
            Exit status 2 when Velero would mark the backup PartiallyFailed.
            """)

    @Option(name: .customLong("manifests"), help: "YAML/JSON manifest file or directory (repeatable; default: \(Defaults.manifests)).")
    var manifests: [String] = []
    @Option(help: "Plugin binary (default: kubevirt-velero-plugin next to this executable).") var plugin: String?
    @Option(help: "A velero.io/v1 Backup manifest; flags below add to it.") var backupFile: String?
    @Option(help: "Backup name.") var name: String?
    @Option(help: "Namespaces to include, comma-separated (default: all).") var includeNamespaces: String?
    @Option(help: "Namespaces to exclude, comma-separated.") var excludeNamespaces: String?
    @Option(help: "Resources to include, comma-separated (pods, vm, virtualmachines.kubevirt.io, …).") var includeResources: String?
    @Option(help: "Resources to exclude, comma-separated.") var excludeResources: String?
    @Option(help: "Label selector for the collected items (app=web,tier in (a,b)).") var selector: String?
    @Option(name: .customLong("label"), help: "A label on the Backup, key=value (repeatable), e.g. velero.kubevirt.io/metadataBackup=true.")
    var labels: [String] = []
    @Flag(help: "Set spec.snapshotMoveData (CSI DataMover).") var snapshotMoveData = false
    @Flag(help: "Set spec.snapshotVolumes to false: no volume snapshots.") var noSnapshotVolumes = false
    @Flag(inversion: .prefixedNo, help: "Velero runs with --features=EnableCSI (OADP: `csi` among the default plugins).")
    var csi = true
    @Option(help: "Write the backup in Velero's layout into this directory (input of `restore --from`).") var output: String?
    @Option(name: [.customShort("o"), .customLong("format")], help: "text or json.") var format: OutputFormat = .text

    func run() async throws {
        var spec = try backupFile.map { path throws(ManifestError) in try BackupSpec(file: path) } ?? BackupSpec()
        if let name { spec.name = name }
        if let includeNamespaces { spec.namespaces.included = Defaults.list(includeNamespaces) }
        if let excludeNamespaces { spec.namespaces.excluded = Defaults.list(excludeNamespaces) }
        if let includeResources { spec.resources.included = Defaults.list(includeResources) }
        if let excludeResources { spec.resources.excluded = Defaults.list(excludeResources) }
        if let selector { spec.selector = selector }
        if snapshotMoveData { spec.snapshotMoveData = true }
        if noSnapshotVolumes { spec.snapshotVolumes = false }
        spec.labels += labels.map(Defaults.label)

        let objects = try ManifestLoader().load(paths: manifests.isEmpty ? [Defaults.manifests] : manifests)
        let report = try await PluginSession.run(plugin: plugin ?? Defaults.pluginPath, objects: objects) { session, cluster in
            await (try BackupSimulation(host: session.host, actions: session.actions, cluster: cluster, spec: spec, csiEnabled: csi)).run()
        }
        if let output { try BackupDirectory.write(report, to: output) }
        switch format {
        case .text:
            print(ReportRendering.text(report), terminator: "")
            if let output { print("Backup written to \(output) (Velero's layout: resources/<resource>/namespaces/<ns>/<name>.json)") }
        case .json:
            print(ReportRendering.json(report).prettyPrinted())
        }
        // Scripts can tell a backup Velero would mark PartiallyFailed from a clean one.
        if !report.errors.isEmpty { throw ExitCode(2) }
    }
}

struct RestorePreview: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Preview a Velero restore of a backup directory: clean items like Velero, run the plugin's restore actions, show every rewrite.")

    @Option(help: "Backup directory written by `backup --output`.") var from: String
    @Option(help: "Plugin binary (default: kubevirt-velero-plugin next to this executable).") var plugin: String?
    @Option(help: "A velero.io/v1 Restore manifest; flags below add to it.") var restoreFile: String?
    @Option(help: "Restore name.") var name: String?
    @Option(help: "Namespace mappings old:new, comma-separated.") var namespaceMappings: String?
    @Option(help: "Namespaces to include, comma-separated (default: all).") var includeNamespaces: String?
    @Option(help: "Resources to exclude, comma-separated.") var excludeResources: String?
    @Option(help: "Label selector for the items collected from the backup (velero.kubevirt.io/vm-name=<vm> restores one VM).")
    var selector: String?
    @Flag(help: "Label the Restore velero.kubevirt.io/clear-mac-address (new MAC addresses).") var clearMacAddress = false
    @Flag(help: "Label the Restore velero.kubevirt.io/generate-new-firmware-uuid.") var generateNewFirmwareUuid = false
    @Option(help: "Label the Restore velero.kubevirt.io/restore-run-strategy=VALUE (Always, Halted, Manual, RerunOnFailure).")
    var runStrategy: String?
    @Flag(inversion: .prefixedNo, help: "Velero runs with --features=EnableCSI (OADP: `csi` among the default plugins).")
    var csi = true
    @Option(name: .customLong("label"), help: "Another label on the Restore, key=value (repeatable).") var labels: [String] = []
    @Option(
        name: .customLong("manifests"),
        help: "Objects already in the target cluster, YAML/JSON file or directory (repeatable): StorageClasses, Velero's change-storage-class ConfigMap in namespace velero.")
    var manifests: [String] = []
    @Option(name: [.customShort("o"), .customLong("format")], help: "text or json.") var format: OutputFormat = .text

    func run() async throws {
        let existing = try ManifestLoader().load(paths: manifests)
        var spec = try restoreFile.map { path throws(ManifestError) in try RestoreSpec(file: path) } ?? RestoreSpec()
        let backup = try BackupDirectory.read(from)
        if let backupName = backup.backupName, restoreFile == nil { spec.backupName = backupName }
        if let name { spec.name = name }
        for mapping in Defaults.list(namespaceMappings) {
            let parts = mapping.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--namespace-mappings entry \"\(mapping)\" is not old:new")
            }
            spec.namespaceMapping.append((parts[0], parts[1]))
        }
        if let includeNamespaces { spec.namespaces.included = Defaults.list(includeNamespaces) }
        if let excludeResources { spec.resources.excluded = Defaults.list(excludeResources) }
        if let selector { spec.selector = selector }
        if clearMacAddress { spec.labels.append(("velero.kubevirt.io/clear-mac-address", "true")) }
        if generateNewFirmwareUuid { spec.labels.append(("velero.kubevirt.io/generate-new-firmware-uuid", "true")) }
        if let runStrategy { spec.labels.append(("velero.kubevirt.io/restore-run-strategy", runStrategy)) }
        spec.labels += labels.map(Defaults.label)

        // The target cluster holds only the given manifests; restored items are created in it as the walk goes.
        let report = try await PluginSession.run(plugin: plugin ?? Defaults.pluginPath, objects: existing) { session, cluster in
            await RestoreSimulation(
                host: session.host, actions: session.actions, spec: spec, entries: backup.entries, cluster: cluster,
                backup: BackupDirectory.backupObject(from), csiEnabled: csi
            ).run()
        }
        switch format {
        case .text: print(ReportRendering.text(report), terminator: "")
        case .json: print(ReportRendering.json(report).prettyPrinted())
        }
        if !report.errors.isEmpty { throw ExitCode(2) }
    }
}

struct BenchSuite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-suite",
        abstract: "Every performance measurement of the plugin (issue #7) in one run, checked against the targets.",
        discussion: "Build with `swift build -c release` first; `make bench` does. Prints Markdown tables; exit status 1 when a target is missed.")

    @Option(help: "Plugin binary (default: kubevirt-velero-plugin next to this executable).") var plugin: String?
    @Option(help: "Plugin for the round-trip floor (default: kit-test-plugin next to this executable, if present).") var floorPlugin: String?
    @Option(name: .customLong("manifests"), help: "Manifests with the demo objects (default: \(Defaults.manifests)).") var manifests: [String] = []
    @Option(help: "Sequential calls per measurement.") var calls = 2000
    @Option(help: "Execute calls of the leak check.") var leakCalls = 100_000
    @Option(name: .customLong("scale-vms"), help: "Running VMs of the scale run (0 skips it).") var scaleVMs = 10_000
    @Option(help: "Namespaces of the scale run.") var scaleNamespaces = 10
    @Option(help: "Scale runs, each with a fresh plugin; the median run's figures are reported.") var scaleRuns = 3
    @Option(help: "API latency for the cold/warm VM backup, in milliseconds.") var apiLatencyMs = 2
    @Flag(help: "Report only; exit 0 even when a target is missed.") var noCheck = false

    func run() async throws {
        let directory = URL(fileURLWithPath: Defaults.pluginPath).deletingLastPathComponent().path
        let floor = floorPlugin ?? (FileManager.default.isExecutableFile(atPath: directory + "/kit-test-plugin") ? directory + "/kit-test-plugin" : nil)
        var settings = PerformanceSuite.Settings(
            plugin: plugin ?? Defaults.pluginPath, floorPlugin: floor, manifests: manifests.isEmpty ? [Defaults.manifests] : manifests,
            workDirectory: Defaults.workDirectory)
        settings.calls = calls
        settings.leakCalls = leakCalls
        settings.scaleVMs = scaleVMs
        settings.scaleNamespaces = scaleNamespaces
        settings.scaleRuns = scaleRuns
        settings.apiLatency = .milliseconds(apiLatencyMs)
        defer { try? FileManager.default.removeItem(atPath: Defaults.workDirectory) }
        let report = try await PerformanceSuite(settings).run { line in
            FileHandle.standardError.write(Data(("bench-suite: " + line + "\n").utf8))
        }
        print(report.markdown(latency: settings.apiLatency), terminator: "")
        if !noCheck, report.checks(latency: settings.apiLatency).contains(where: { !$0.met }) { throw ExitCode(1) }
    }
}

struct Stress: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Concurrent Execute calls over every action (demo items, local API), then Shutdown; fails on any error, crash or sanitizer report.",
        discussion: "Run it against a plugin built with -sanitize=thread or -sanitize=address (`make stress-tsan`, `make stress-asan`).")

    @Option(help: "Plugin binary (default: kubevirt-velero-plugin next to this executable).") var plugin: String?
    @Option(name: .customLong("manifests"), help: "Manifests with the demo objects (default: \(Defaults.manifests)).") var manifests: [String] = []
    @Option(help: "Concurrent callers.") var callers = 16
    @Option(help: "Calls per caller.") var callsPerCaller = 10_000

    func run() async throws {
        let objects = try ManifestLoader().load(paths: manifests.isEmpty ? [Defaults.manifests] : manifests)
        let cluster = try await EmbeddedCluster.start(objects: objects, directory: Defaults.workDirectory)
        defer { try? FileManager.default.removeItem(atPath: Defaults.workDirectory) }
        let cases = try PerformanceSuite.cases(cluster)
        let host = try await PluginHost(path: plugin ?? Defaults.pluginPath, environment: cluster.environment, handshakeTimeout: .seconds(120))
        let start = ContinuousClock.now
        let (rate, failed) = await PerformanceSuite.throughput(host, cases, callers: callers, calls: callers * callsPerCaller)
        let elapsed = ContinuousClock.now - start
        let healthy = (try? await host.healthCheck()) == HealthCheckResponse.serving
        let report = await host.kill()
        await cluster.stop()
        let sanitizer = host.process.stderrLines.filter { $0.contains("Sanitizer") || $0.contains("runtime error") || $0.contains("Fatal error") }
        print("\(callers) callers × \(callsPerCaller) calls over \(cases.count) action cases: \(failed) failed, \(Int(rate)) calls/s, \(elapsed)")
        print("health after the run: \(healthy ? "SERVING" : "NOT SERVING"); Shutdown: exit \(report.exitStatus.map(String.init) ?? "none"), graceful \(report.exitedGracefully)")
        print("sanitizer or runtime reports on stderr: \(sanitizer.count)")
        for line in sanitizer.prefix(20) { print("  " + line) }
        if failed > 0 || !healthy || !report.exitedGracefully || report.exitStatus != 0 || !sanitizer.isEmpty { throw ExitCode(1) }
    }
}
