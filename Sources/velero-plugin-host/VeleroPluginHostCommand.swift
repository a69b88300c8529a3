import ArgumentParser
import FakeKubeAPI
import Foundation
import PluginHost
import PluginPerformance
import VeleroPluginKit

/// Drives a Velero plugin binary the way Velero does, without a cluster.
@main
struct VeleroPluginHostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "velero-plugin-host",
        abstract: "Drive a Velero plugin binary the way Velero does, without a cluster.",
        subcommands: [BackupPreview.self, RestorePreview.self, Plugins.self, Check.self, Bench.self, BenchSuite.self, Stress.self])
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
            // Velero's manager also lists every v1 item action under the v2 kind (so `velero plugin get` shows each
            // twice).
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
    @Flag(help: "Serve a local HTTPS Kubernetes API holding a running VM (vm1 in ns, with its VMI, launcher pod and PVC); the default item becomes that VM.")
    var withAPI = false
    @Option(help: "Latency the local API adds to every answer, in milliseconds (with --with-api).") var apiLatencyMs = 0.0

    func run() async throws {
        guard let pluginKind = PluginKind(rawValue: kind) else { throw ValidationError("unknown kind \(kind)") }
        var environment: [String: String] = [:]
        var api: FakeKubeAPIServer?
        if withAPI {
            let (server, kubeconfig) = try await APICheck.start(root: "")
            if apiLatencyMs > 0 { server.setLatency(.microseconds(Int64(apiLatencyMs * 1000))) }
            api = server
            environment["KUBECONFIG"] = kubeconfig
        }
        let defaultItem = withAPI ? APICheck.vm
            : Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bench","namespace":"default"}}"#.utf8)
        let itemBytes = try item.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) } ?? defaultItem
        let contextBytes = try context.map { Array(try Data(contentsOf: URL(fileURLWithPath: $0))) } ?? Array("{}".utf8)
        let settings = PluginBenchmark.Settings(
            path: binary, action: action, kind: pluginKind, item: itemBytes, context: contextBytes, launches: launches,
            calls: calls, concurrency: concurrency.split(separator: ",").compactMap { Int($0) })
        var benchmark = settings
        benchmark.environment = environment
        api?.resetRequests()
        let report = try await PluginBenchmark(benchmark).run()
        if let api {
            let requests = api.requests
            print("api:         \(requests.count) requests (\(requests.filter { $0.path.hasSuffix("/pods") }.count) pod LISTs) over \(settings.launches) launches + all calls")
            await api.shutdown()
        }
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

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Smoke-test a plugin binary like Velero would use it: handshake, Health, ListPlugins, AppliesTo and one Execute per plugin, Shutdown.",
        discussion: """
            Action errors (gRPC Unknown) count as answered calls; transport failures, a crash or an unclean exit fail \
            the check. With --chroot the binary path is taken inside that root (a glibc-only root built by \
            plugin-image/verify.sh) and run through chroot(8), optionally as --userspec UID:GID.
            """)

    @Argument(help: "Path of the plugin binary (inside --chroot if given).") var binary: String
    @Option(help: "Run the plugin in this root directory through chroot.") var chroot: String?
    @Option(help: "UID:GID for chroot --userspec.") var userspec: String?
    @Option(name: .customLong("arg"), help: "A launch argument passed verbatim (repeatable).")
    var arguments: [String] = ["--log-level", "debug", "--features=EnableCSI"]
    @Flag(help: "Also serve a local HTTPS Kubernetes API (generated CA, token auth) and back up a running VM through it.")
    var withAPI = false

    func run() async throws {
        var wrapper: [String] = []
        if let chroot {
            wrapper = ["/usr/sbin/chroot"] + (userspec.map { ["--userspec=\($0)"] } ?? []) + [chroot]
        }
        let start = ContinuousClock.now
        // In a chroot the environment is the velero container's, not this shell's (whose TMPDIR, say, is not there).
        var veleroEnvironment = [
            "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/home/velero", "VELERO_NAMESPACE": "velero",
            "VELERO_SCRATCH_DIR": "/scratch", "LD_LIBRARY_PATH": "/plugins",
        ]
        var api: FakeKubeAPIServer?
        if withAPI {
            let (server, kubeconfigPath) = try await APICheck.start(root: chroot ?? "")
            api = server
            veleroEnvironment["KUBECONFIG"] = kubeconfigPath
        }
        let host = try await PluginHost(
            path: binary, arguments: arguments,
            environment: chroot == nil ? (withAPI ? ["KUBECONFIG": veleroEnvironment["KUBECONFIG"]!] : [:]) : veleroEnvironment,
            handshakeTimeout: .seconds(10), wrapper: wrapper, socketRoot: chroot ?? "", inheritEnvironment: chroot == nil)
        print("handshake:   \(host.handshake.line) after \(ContinuousClock.now - start)")
        var failures: [String] = []
        let health = try await host.healthCheck()
        print("health:      \(health == HealthCheckResponse.serving ? "SERVING" : "status \(health)")")
        if health != HealthCheckResponse.serving { failures.append("health") }
        let plugins = try await host.listPlugins()
        print("plugins:     \(plugins.count)")
        let item = Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"check","namespace":"default"}}"#.utf8)
        for plugin in plugins {
            guard let kind = PluginKind(rawValue: plugin.kind) else {
                failures.append("unknown kind \(plugin.kind)")
                continue
            }
            do {
                _ = try await host.appliesTo(kind: kind, name: plugin.name)
                switch kind {
                case .restoreItemAction:
                    _ = try await host.restoreExecute(name: plugin.name, item: item, itemFromBackup: item, restore: Array("{}".utf8))
                case .itemBlockAction:
                    _ = try await host.getRelatedItems(name: plugin.name, item: item, backup: Array("{}".utf8))
                case .backupItemAction:
                    _ = try await host.backupExecute(name: plugin.name, item: item, backup: Array("{}".utf8))
                default:
                    break
                }
                print("  ok         \(plugin.kind) \(plugin.name)")
            } catch let error as PluginCallError where error.code == GRPCCode.unknown {
                print("  answered   \(plugin.kind) \(plugin.name): \(error.message)")
            } catch {
                print("  FAILED     \(plugin.kind) \(plugin.name): \(error)")
                failures.append(plugin.name)
            }
        }
        if let api {
            api.resetRequests()
            do {
                let response = try await host.backupExecute(
                    name: "kubevirt-velero-plugin/backup-virtualmachine-action", item: APICheck.vm, backup: Array("{}".utf8))
                let names = response.additionalItems.map(\.name)
                let ok = names == ["vm1", "virt-launcher-vm1-abcde", "vm1-disk"] && api.requests.count == 3
                print("https API:   running VM backup through TLS + token: \(ok ? "ok" : "WRONG") (\(names), \(api.requests.count) requests)")
                if !ok { failures.append("https API") }
            } catch {
                print("https API:   FAILED: \(error)")
                failures.append("https API")
            }
            await api.shutdown()
        }
        let report = await host.kill()
        let socket = (chroot ?? "") + host.handshake.address
        let socketLeft = FileManager.default.fileExists(atPath: socket)
        print("shutdown:    exit \(report.exitStatus.map(String.init) ?? "signal \(host.process.terminatingSignal ?? 0)") after \(report.elapsed)\(report.exitedGracefully ? "" : " (SIGKILL needed)"), socket \(socketLeft ? "LEFT BEHIND" : "removed")")
        if !report.exitedGracefully || report.exitStatus != 0 { failures.append("shutdown") }
        if socketLeft { failures.append("socket") }
        let stdout = host.process.stdoutAfterHandshake
        if !stdout.isEmpty { failures.append("stdout after handshake: \(stdout.count) bytes") }
        let badLines = host.process.stderrLines.filter { PluginLogLine($0) == nil }
        print("stderr:      \(host.process.stderrLines.count) lines, \(badLines.count) not Velero JSON")
        for line in badLines.prefix(5) { print("  non-JSON:  \(line)") }
        if !badLines.isEmpty { failures.append("stderr") }
        if !failures.isEmpty {
            print("check FAILED: \(failures.joined(separator: ", "))")
            throw ExitCode(1)
        }
        print("check passed")
    }
}

/// The HTTPS API used by `check --with-api`: a generated CA (given to the plugin only through the kubeconfig — the
/// chroot has no trust store), a bearer token, and one running VM with its VMI, launcher pod and PVC. The VMI and the pod
/// are Running, as on a cluster: a launcher pod that is not Running makes the plugin LIST the namespace again.
enum APICheck {
    static let vm = Array(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"volumes":[{"name":"d","persistentVolumeClaim":{"claimName":"vm1-disk"}}]}}},"status":{"created":true,"printableStatus":"Running"}}"#.utf8)

    /// Starts the server and writes a kubeconfig under `root`/tmp; returns the kubeconfig path as the plugin sees it.
    static func start(root: String) async throws -> (FakeKubeAPIServer, String) {
        let certificates = try TestCertificates.generate()
        let server = FakeKubeAPIServer(tls: certificates.serverTLS)
        for object in [
            #"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vm1","namespace":"ns"},"status":{"phase":"Running","nodeName":"node-1"}}"#,
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"virt-launcher-vm1-abcde","namespace":"ns","labels":{"kubevirt.io":"virt-launcher"},"annotations":{"kubevirt.io/domain":"vm1"}},"spec":{"nodeName":"node-1"},"status":{"phase":"Running"}}"#,
            #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"vm1-disk","namespace":"ns","uid":"u1"}}"#,
        ] {
            try server.store.add(Array(object.utf8))
        }
        let token = "check-\(UInt64.random(in: 0...UInt64.max))"
        server.requireToken(token)
        let port = try await server.start()
        let inside = "/tmp/check-kubeconfig-\(port)"
        let kubeconfig = FakeKubeAPIServer.kubeconfig(port: port, caPEM: certificates.caPEM, token: token, name: "check")
        try kubeconfig.write(toFile: root + inside, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: root + inside)
        return (server, inside)
    }
}
