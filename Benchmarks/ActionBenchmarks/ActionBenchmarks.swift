import Benchmark
import Foundation
import KubeClient
import KubeVirtVeleroPlugin
import LosslessJSON
import Logging
import Synchronization
import VeleroPluginKit
import PluginPerformance
import VeleroSimulator

// Every action's Execute in-process, through the same handler the gRPC server runs (request decoding, action,
// response encoding), with the realistic items of `velero-plugin-host bench-suite` (examples/demo-namespace) and
// the plugin's real API client reading those manifests from a local API. Caches are warm after the first
// iteration, so what is measured is the per-item cost Velero pays tens of thousands of times: wall clock and
// allocations per Execute (malloc interposer). The whole-process view (socket, handshake, RSS, scale) is
// `velero-plugin-host bench-suite`; this target isolates the Swift side of one call.
//
//   make bench-actions        (swift package benchmark --target ActionBenchmarks)

/// The cases, their encoded requests and the plugin, shared by every benchmark of the run.
final class ActionFixture: Sendable {
    let cases: [(label: String, method: String, request: [UInt8])]
    let manifests: [ManifestObject]
    private let started = Mutex<(cluster: EmbeddedCluster?, plugin: InProcessPlugin?)>((nil, nil))

    static let shared = ActionFixture()

    private init() {
        let root = ProcessInfo.processInfo.environment["ACTION_BENCHMARK_MANIFESTS"] ?? "examples/demo-namespace"
        do {
            manifests = try ManifestLoader().load(paths: [root])
            cases = try PerformanceSuite.cases(objects: manifests).map { testCase in
                let request: [UInt8]
                switch testCase.kind {
                case .restoreItemAction, .restoreItemActionV2:
                    request = RestoreExecuteRequest(
                        plugin: testCase.action, item: testCase.item, restore: testCase.context, itemFromBackup: testCase.item
                    ).encoded()
                default:
                    request = BackupExecuteRequest(plugin: testCase.action, item: testCase.item, backup: testCase.context).encoded()
                }
                return (testCase.label, InProcessPlugin.executeMethod(for: testCase.kind), request)
            }
        } catch {
            fatalError("ActionBenchmarks: cannot load \(root) (run from the package root): \(error)")
        }
    }

    /// The local API and the plugin reading it (once per process).
    func plugin() async throws -> InProcessPlugin {
        if let plugin = started.withLock({ $0.plugin }) { return plugin }
        let directory = FileManager.default.temporaryDirectory.path + "/action-benchmarks-\(getpid())"
        let cluster = try await EmbeddedCluster.start(objects: manifests, directory: directory)
        let kubevirt = KubeVirtPlugin(
            clusterReader: APIClusterReader(client: SharedKubeClient(pluginEnvironment: cluster.environment)),
            makeLogger: { label in
                var logger = Logger(label: label) { _ in SwiftLogNoOpLogHandler() }
                logger.logLevel = .critical
                return logger
            })
        let registry = PluginRegistry()
        kubevirt.register(in: registry)
        let plugin = InProcessPlugin(registry: registry)
        return started.withLock { state in
            if let existing = state.plugin { return existing }
            state = (cluster, plugin)
            return plugin
        }
    }
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 20,
        scalingFactor: .one,
        maxDuration: .seconds(2),
        maxIterations: 5_000)

    let fixture = ActionFixture.shared
    for testCase in fixture.cases {
        Benchmark("Execute: \(testCase.label)") { benchmark in
            let plugin = try await fixture.plugin()
            for _ in benchmark.scaledIterations {
                blackHole(try await plugin.call(testCase.method, testCase.request))
            }
        }
    }

    // The parts every call pays, for comparison: the request of a running VM decoded and encoded again, and its
    // item parsed and serialised.
    let vm = fixture.cases[0].request
    Benchmark("Part: protobuf decode + encode of a running-VM request") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try BackupExecuteRequest(decoding: vm).encoded())
        }
    }
    let item = try! BackupExecuteRequest(decoding: vm).item
    Benchmark("Part: JSON parse + serialise of a running VM") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try JSONValue.parse(item).serialized())
        }
    }
}
