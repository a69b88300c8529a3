import VeleroSimulator
import FakeKubeAPI
import Foundation
import LosslessJSON
import PluginHost
import VeleroPluginKit

/// The whole-process benchmark of issue #7: the plugin binary driven over its real socket the way Velero drives it,
/// with realistic items from the examples served by a local API. One command runs every measurement and checks the
/// figures against the targets.
public struct PerformanceSuite: Sendable {
    public struct Settings: Sendable {
        public var plugin: String
        /// A plugin whose Execute does nothing (kit-test-plugin's echo): the round-trip floor.
        public var floorPlugin: String?
        public var manifests: [String]
        public var launches = 20
        public var calls = 2000
        public var coldLaunches = 10
        public var apiLatency: Duration = .milliseconds(2)
        public var concurrency = [1, 4, 16]
        public var leakCalls = 100_000
        public var scaleVMs = 10_000
        public var scaleNamespaces = 10
        /// Scale runs, each through a fresh plugin process; the figures are those of the run with the median CPU.
        public var scaleRuns = 3
        public var workDirectory: String

        public init(plugin: String, floorPlugin: String?, manifests: [String], workDirectory: String) {
            self.plugin = plugin
            self.floorPlugin = floorPlugin
            self.manifests = manifests
            self.workDirectory = workDirectory
        }
    }

    /// One action called over and over with the same realistic item (warm caches after the first calls).
    public struct ActionCase: Sendable {
        public var label: String
        public var action: String
        public var kind: PluginKind
        public var item: [UInt8]
        public var context: [UInt8]
    }

    public struct ActionFigure: Sendable {
        public var label: String
        public var action: String
        public var latency: PluginBenchmark.Distribution
        public var requestsPerCall: Double
    }

    public struct ScaleFigure: Sendable {
        public var vms: Int
        public var namespaces: Int
        public var items: Int
        public var executeCalls: Int
        public var apiRequests: Int
        public var podListsPerNamespace: [String: Int]
        /// The median run's plugin CPU time.
        public var pluginCPU: Duration?
        /// Every run's plugin CPU time, in run order.
        public var pluginCPURuns: [Duration] = []
        public var wall: Duration
        public var errors: Int
        public var peakRSSKiB: Int?
    }

    public struct Report: Sendable {
        public var handshake: PluginBenchmark.Distribution
        public var floor: PluginBenchmark.Distribution?
        public var actions: [ActionFigure] = []
        public var vmBackupCold = PluginBenchmark.Distribution([])
        public var vmBackupColdRequests = 0
        public var vmBackupWarmWithLatency = PluginBenchmark.Distribution([])
        public var vmBackupWarmRequests = 0.0
        public var throughputFloor: [(callers: Int, perSecond: Double)] = []
        public var throughputVMBackup: [(callers: Int, perSecond: Double)] = []
        public var idleRSSKiB: Int?
        public var rssAfter10kKiB: Int?
        public var rssAfterLeakRunKiB: Int?
        public var peakRSSKiB: Int?
        public var leakCalls = 0
        public var failures = 0
        public var scale: ScaleFigure?
    }

    public let settings: Settings
    public init(_ settings: Settings) { self.settings = settings }

    static let arguments = ["--log-level", "info", "--features=EnableCSI"]
    static let prefix = "kubevirt-velero-plugin/"

    /// The plugins' environment: their own empty temporary directory, as in Velero's container (where it holds only
    /// plugin sockets), not the build's, which can hold thousands of entries for the start-up scan of stale sockets.
    /// The directory is created once, by `run`.
    func pluginEnvironment(_ extra: [String: String] = [:]) -> [String: String] {
        extra.merging(["TMPDIR": pluginTemporaryDirectory]) { _, ours in ours }
    }

    var pluginTemporaryDirectory: String { settings.workDirectory + "/plugin-tmp" }

    /// Runs everything; `progress` gets one line per phase.
    public func run(progress: @Sendable (String) -> Void) async throws -> Report {
        try FileManager.default.createDirectory(atPath: pluginTemporaryDirectory, withIntermediateDirectories: true)
        progress("handshake: \(settings.launches) launches")
        var report = Report(
            handshake: PluginBenchmark.Distribution(
                try PluginBenchmark.handshakeTimes(
                    path: settings.plugin, arguments: Self.arguments, environment: pluginEnvironment(), launches: settings.launches)))

        if let floorPlugin = settings.floorPlugin {
            progress("floor: \(settings.calls) Execute calls of \(floorPlugin)'s echo")
            var floor = PluginBenchmark.Settings(
                path: floorPlugin, action: "test.velero.io/echo",
                item: Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"bench","namespace":"default"}}"#.utf8),
                launches: 0, calls: settings.calls, concurrency: settings.concurrency)
            floor.arguments = Self.arguments
            floor.environment = pluginEnvironment()
            let result = try await PluginBenchmark(floor).run()
            report.floor = result.execute
            report.throughputFloor = result.throughput
            report.failures += result.failures
        }

        let objects = try ManifestLoader().load(paths: settings.manifests)
        let cluster = try await EmbeddedCluster.start(objects: objects, directory: settings.workDirectory)
        defer { Task { await cluster.stop() } }
        let cases = try Self.cases(cluster)

        let host = try await PluginHost(path: settings.plugin, arguments: Self.arguments, environment: pluginEnvironment(cluster.environment))
        report.idleRSSKiB = PluginBenchmark.rss(pid: host.process.pid).current
        for testCase in cases {
            progress("action: \(testCase.label)")
            for _ in 0..<20 { if await !Self.call(host, testCase) { report.failures += 1 } }
            cluster.server.resetRequests()
            var samples: [Duration] = []
            samples.reserveCapacity(settings.calls)
            for _ in 0..<settings.calls {
                let start = ContinuousClock.now
                if await !Self.call(host, testCase) { report.failures += 1 }
                samples.append(ContinuousClock.now - start)
            }
            report.actions.append(
                ActionFigure(
                    label: testCase.label, action: testCase.action, latency: PluginBenchmark.Distribution(samples),
                    requestsPerCall: Double(cluster.server.requests.count) / Double(settings.calls)))
        }

        let vmBackup = cases[0]
        progress("throughput: VM backup with \(settings.concurrency) callers")
        for callers in settings.concurrency {
            let (rate, failed) = await Self.throughput(host, [vmBackup], callers: callers, calls: settings.calls)
            report.throughputVMBackup.append((callers, rate))
            report.failures += failed
        }

        progress("leak check: \(settings.leakCalls) Execute calls over all actions, 16 callers")
        let tenK = min(10_000, settings.leakCalls)
        report.failures += await Self.throughput(host, cases, callers: 16, calls: tenK).failed
        report.rssAfter10kKiB = PluginBenchmark.rss(pid: host.process.pid).current
        report.failures += await Self.throughput(host, cases, callers: 16, calls: settings.leakCalls - tenK).failed
        let rss = PluginBenchmark.rss(pid: host.process.pid)
        report.rssAfterLeakRunKiB = rss.current
        report.peakRSSKiB = rss.peak
        report.leakCalls = settings.leakCalls
        await host.kill()

        progress("VM backup with \(settings.apiLatency) API latency: \(settings.coldLaunches) cold processes")
        cluster.server.setLatency(settings.apiLatency)
        var cold: [Duration] = []
        var coldRequests = 0
        for _ in 0..<settings.coldLaunches {
            let fresh = try await PluginHost(path: settings.plugin, arguments: Self.arguments, environment: pluginEnvironment(cluster.environment))
            // Velero resolves a backup's actions (AppliesTo) before the first Execute; that call reaches no API.
            _ = try await fresh.appliesTo(kind: vmBackup.kind, name: vmBackup.action)
            cluster.server.resetRequests()
            let start = ContinuousClock.now
            if await !Self.call(fresh, vmBackup) { report.failures += 1 }
            cold.append(ContinuousClock.now - start)
            coldRequests = max(coldRequests, cluster.server.requests.count)
            if cold.count == settings.coldLaunches {
                cluster.server.resetRequests()
                var warm: [Duration] = []
                for _ in 0..<200 {
                    let start = ContinuousClock.now
                    if await !Self.call(fresh, vmBackup) { report.failures += 1 }
                    warm.append(ContinuousClock.now - start)
                }
                report.vmBackupWarmWithLatency = PluginBenchmark.Distribution(warm)
                report.vmBackupWarmRequests = Double(cluster.server.requests.count) / 200
            }
            await fresh.kill()
        }
        cluster.server.setLatency(nil)
        report.vmBackupCold = PluginBenchmark.Distribution(cold)
        report.vmBackupColdRequests = coldRequests

        if settings.scaleVMs > 0 {
            let objects = scaleObjects()
            var runs: [ScaleFigure] = []
            for run in 1...max(1, settings.scaleRuns) {
                progress(
                    "scale: backup of \(settings.scaleVMs) running VMs in \(settings.scaleNamespaces) namespaces, run \(run) of \(max(1, settings.scaleRuns))")
                runs.append(try await scaleRun(objects))
            }
            report.scale = Self.median(of: runs)
        }
        return report
    }

    // MARK: - Cases

    /// The eleven actions with items from the demo namespace, as Velero sends them (sorted keys).
    public static func cases(_ cluster: EmbeddedCluster) throws -> [ActionCase] {
        try cases(objects: cluster.objects)
    }

    /// The same cases from manifest objects (the in-process benchmarks name theirs before any server runs).
    public static func cases(objects: [ManifestObject]) throws -> [ActionCase] {
        func item(_ kind: String, _ name: String) throws -> JSONValue {
            guard let object = objects.first(where: { $0.resource.kind == kind && $0.name == name }) else {
                throw SimulationError("the benchmark manifests need \(kind) \(name) (examples/demo-namespace)")
            }
            return object.object.sortingKeys()
        }
        var backupSpec = BackupSpec()
        backupSpec.namespaces.included = ["demo"]
        let backup = try backupSpec.json().serialized()
        var restoreSpec = RestoreSpec()
        restoreSpec.labels = [
            ("velero.kubevirt.io/clear-mac-address", "true"), ("velero.kubevirt.io/generate-new-firmware-uuid", "true"),
            ("velero.kubevirt.io/restore-run-strategy", "Halted"),
        ]
        let restore = restoreSpec.json().serialized()
        func backupCase(_ label: String, _ action: String, _ kind: String, _ name: String, block: Bool = false) throws -> ActionCase {
            ActionCase(
                label: label, action: prefix + action, kind: block ? .itemBlockAction : .backupItemAction,
                item: try item(kind, name).serialized(), context: backup)
        }
        func restoreCase(_ label: String, _ action: String, _ kind: String, _ name: String) throws -> ActionCase {
            ActionCase(
                label: label, action: prefix + action, kind: .restoreItemAction,
                item: RestoreSimulation.cleaned(try item(kind, name)).serialized(), context: restore)
        }
        return [
            try backupCase("backup running VM", "backup-virtualmachine-action", "VirtualMachine", "fedora-web"),
            try backupCase("backup stopped VM (instancetype, TPM)", "backup-virtualmachine-action", "VirtualMachine", "windows-db"),
            try backupCase("backup VMI", "backup-virtualmachineinstance-action", "VirtualMachineInstance", "fedora-web"),
            try backupCase("backup DataVolume", "backup-datavolume-action", "DataVolume", "fedora-web-rootdisk"),
            try backupCase("backup PVC owned by a DataVolume (DV action)", "backup-datavolume-action", "PersistentVolumeClaim", "fedora-web-rootdisk"),
            try backupCase("backup PVC", "backup-pvc-action", "PersistentVolumeClaim", "windows-db-disk"),
            try backupCase("backup VolumeSnapshot", "backup-volumesnapshot-action", "VolumeSnapshot", "fedora-web-rootdisk-snap"),
            try backupCase("ItemBlock of a running VM", "virtualmachine-itemblock-action", "VirtualMachine", "fedora-web", block: true),
            try restoreCase("restore VM (new MAC, UUID, Halted)", "restore-vm-action", "VirtualMachine", "fedora-web"),
            try restoreCase("restore stopped VM (TPM PVC lookup)", "restore-vm-action", "VirtualMachine", "windows-db"),
            try restoreCase("restore standalone VMI", "restore-vmi-action", "VirtualMachineInstance", "scratch-vmi"),
            try restoreCase("restore PVC", "restore-pvc-action", "PersistentVolumeClaim", "fedora-web-rootdisk"),
            try restoreCase("restore launcher pod (skipped)", "restore-pod-action", "Pod", "virt-launcher-fedora-web-x7k2p"),
            try restoreCase("restore VolumeSnapshot", "restore-volumesnapshot-action", "VolumeSnapshot", "fedora-web-rootdisk-snap"),
        ]
    }

    static func call(_ host: PluginHost, _ testCase: ActionCase) async -> Bool {
        do {
            switch testCase.kind {
            case .restoreItemAction, .restoreItemActionV2:
                _ = try await host.restoreExecute(name: testCase.action, item: testCase.item, itemFromBackup: testCase.item, restore: testCase.context)
            case .itemBlockAction:
                _ = try await host.getRelatedItems(name: testCase.action, item: testCase.item, backup: testCase.context)
            case .backupItemAction, .backupItemActionV2:
                _ = try await host.backupExecute(name: testCase.action, item: testCase.item, backup: testCase.context)
            }
            return true
        } catch {
            return false
        }
    }

    /// `calls` calls spread over `callers` concurrent callers, cycling through `cases`; calls per second.
    public static func throughput(_ host: PluginHost, _ cases: [ActionCase], callers: Int, calls: Int) async -> (rate: Double, failed: Int) {
        guard calls > 0 else { return (0, 0) }
        let perCaller = max(1, calls / callers)
        let start = ContinuousClock.now
        let failed = await withTaskGroup(of: Int.self) { group in
            for caller in 0..<callers {
                group.addTask {
                    var failed = 0
                    for index in 0..<perCaller where await !call(host, cases[(caller + index) % cases.count]) { failed += 1 }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        return (Double(perCaller * callers) / Self.seconds(ContinuousClock.now - start), failed)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    // MARK: - Scale

    /// The run with the median plugin CPU time (targets are medians: a shared machine only ever adds to a run's
    /// time), with every run's CPU time, the most launcher-pod LISTs and the most errors of any run.
    static func median(of runs: [ScaleFigure]) -> ScaleFigure? {
        let ordered = runs.sorted { ($0.pluginCPU ?? .zero) < ($1.pluginCPU ?? .zero) }
        guard var figure = ordered.isEmpty ? nil : ordered[ordered.count / 2] else { return nil }
        figure.pluginCPURuns = runs.compactMap(\.pluginCPU)
        for run in runs {
            for (namespace, lists) in run.podListsPerNamespace {
                figure.podListsPerNamespace[namespace] = max(figure.podListsPerNamespace[namespace] ?? 0, lists)
            }
            figure.errors = max(figure.errors, run.errors)
        }
        return figure
    }

    /// The generated cluster of the scale run: `scaleVMs` running VMs, each with its VMI, launcher pod and PVC bound
    /// to a CSI PersistentVolume, spread over `scaleNamespaces` namespaces, with the StorageClass and the default
    /// VolumeSnapshotClass of that driver — so Velero's CSI action snapshots each PVC, as in a real CSI backup.
    func scaleObjects() -> [ManifestObject] {
        var objects: [ManifestObject] = []
        let catalog = ResourceCatalog.standard
        func resource(_ kind: String) -> APIResource { catalog.resources.first { $0.kind == kind }! }
        let (vm, vmi, pod, pvc, pv, namespaceResource) = (
            resource("VirtualMachine"), resource("VirtualMachineInstance"), resource("Pod"), resource("PersistentVolumeClaim"),
            resource("PersistentVolume"), resource("Namespace")
        )
        let location = SourceLocation(file: "generated", line: nil)
        let storage = Self.scaleStorage()
        objects.append(
            ManifestObject(object: storage.storageClass, resource: resource("StorageClass"), namespace: "", name: Self.scaleStorageClass, location: location))
        objects.append(
            ManifestObject(
                object: storage.snapshotClass, resource: resource("VolumeSnapshotClass"), namespace: "", name: "scale-snapclass", location: location))
        for n in 0..<settings.scaleNamespaces {
            let namespace = "scale-\(n)"
            objects.append(
                ManifestObject(
                    object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]], resource: namespaceResource,
                    namespace: "", name: namespace, location: location))
        }
        for index in 0..<settings.scaleVMs {
            let namespace = "scale-\(index % settings.scaleNamespaces)"
            let name = "vm-\(index)"
            let generated = Self.runningVM(name: name, namespace: namespace, index: index)
            objects.append(ManifestObject(object: generated.vm, resource: vm, namespace: namespace, name: name, location: location))
            objects.append(ManifestObject(object: generated.vmi, resource: vmi, namespace: namespace, name: name, location: location))
            objects.append(
                ManifestObject(object: generated.pod, resource: pod, namespace: namespace, name: "virt-launcher-\(name)-abcde", location: location))
            objects.append(ManifestObject(object: generated.pvc, resource: pvc, namespace: namespace, name: name + "-disk", location: location))
            objects.append(ManifestObject(object: generated.pv, resource: pv, namespace: "", name: Self.volumeName(index), location: location))
        }
        return objects
    }

    /// A backup of the scale cluster, walked like Velero walks a cluster by `BackupSimulation`, through one fresh
    /// plugin process against a fresh API.
    func scaleRun(_ objects: [ManifestObject]) async throws -> ScaleFigure {
        try FileManager.default.createDirectory(atPath: pluginTemporaryDirectory, withIntermediateDirectories: true)
        let cluster = try await EmbeddedCluster.start(objects: objects, directory: settings.workDirectory)
        let host = try await PluginHost(path: settings.plugin, arguments: Self.arguments, environment: pluginEnvironment(cluster.environment))
        let actions = try await PluginActions.discover(host)
        let simulation = try BackupSimulation(host: host, actions: actions, cluster: cluster, spec: BackupSpec())
        let start = ContinuousClock.now
        let report = await simulation.run()
        let wall = ContinuousClock.now - start
        let cpu = PluginBenchmark.cpuTime(pid: host.process.pid)
        let peak = PluginBenchmark.rss(pid: host.process.pid).peak
        await host.kill()
        let requests = cluster.server.requests
        await cluster.stop()
        var podLists: [String: Int] = [:]
        for request in requests where request.path.hasSuffix("/pods") {
            let namespace = request.path.split(separator: "/").dropFirst(3).first.map(String.init) ?? ""
            podLists[namespace, default: 0] += 1
        }
        let calls = report.records.values.reduce(0) { $0 + $1.actions.count } + report.blocks.filter { block in
            block.members.first.map { $0.resource.kind == "VirtualMachine" } ?? false
        }.count
        return ScaleFigure(
            vms: settings.scaleVMs, namespaces: settings.scaleNamespaces, items: report.written.count, executeCalls: calls,
            apiRequests: requests.count, podListsPerNamespace: podLists, pluginCPU: cpu, wall: wall, errors: report.errors.count,
            peakRSSKiB: peak)
    }

    static let scaleStorageClass = "scale-block"
    static let scaleDriver = "rbd.csi.ceph.com"

    static func volumeName(_ index: Int) -> String { String(format: "pvc-00000000-0000-4000-a000-%012d", index) }

    /// The StorageClass and default VolumeSnapshotClass of the scale cluster's CSI driver.
    static func scaleStorage() -> (storageClass: JSONValue, snapshotClass: JSONValue) {
        let storageClass: JSONValue = [
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": ["name": .string(scaleStorageClass)],
            "provisioner": .string(scaleDriver), "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate",
        ]
        let snapshotClass: JSONValue = [
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotClass",
            "metadata": ["name": "scale-snapclass", "annotations": ["snapshot.storage.kubernetes.io/is-default-class": "true"]],
            "driver": .string(scaleDriver), "deletionPolicy": "Delete",
        ]
        return (storageClass, snapshotClass)
    }

    static func runningVM(name: String, namespace: String, index: Int) -> (vm: JSONValue, vmi: JSONValue, pod: JSONValue, pvc: JSONValue, pv: JSONValue) {
        let vmUID = String(format: "00000000-0000-4000-8000-%012d", index)
        let vmiUID = String(format: "00000000-0000-4000-9000-%012d", index)
        let claim = name + "-disk"
        let volumes: JSONValue = [["name": "rootdisk", "persistentVolumeClaim": ["claimName": .string(claim)]]]
        let domain: JSONValue = [
            "cpu": ["cores": 2], "memory": ["guest": "4Gi"],
            "devices": ["disks": [["name": "rootdisk", "disk": ["bus": "virtio"]]], "interfaces": [["name": "default", "masquerade": [:], "macAddress": "02:00:00:00:00:01"]]],
            "firmware": ["uuid": .string(vmUID)],
        ]
        let vm: JSONValue = [
            "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(vmUID), "labels": ["app": .string(name)]],
            "spec": [
                "runStrategy": "Always",
                "template": ["metadata": ["labels": ["kubevirt.io/domain": .string(name)]], "spec": ["domain": domain, "volumes": volumes, "networks": [["name": "default", "pod": [:]]]]],
            ],
            "status": ["created": true, "ready": true, "printableStatus": "Running"],
        ]
        let vmi: JSONValue = [
            "apiVersion": "kubevirt.io/v1", "kind": "VirtualMachineInstance",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace), "uid": .string(vmiUID), "labels": ["kubevirt.io/domain": .string(name)],
                "ownerReferences": [["apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "name": .string(name), "uid": .string(vmUID), "controller": true]],
            ],
            "spec": ["domain": domain, "volumes": volumes],
            "status": ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]],
        ]
        let pod: JSONValue = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string("virt-launcher-\(name)-abcde"), "namespace": .string(namespace),
                "labels": ["kubevirt.io": "virt-launcher", "kubevirt.io/created-by": .string(vmiUID), "vm.kubevirt.io/name": .string(name)],
                "annotations": ["kubevirt.io/domain": .string(name)],
            ],
            "spec": ["containers": [["name": "compute", "image": "virt-launcher"]], "volumes": [["name": "rootdisk", "persistentVolumeClaim": ["claimName": .string(claim)]]]],
            "status": ["phase": "Running"],
        ]
        let claimUID = String(format: "00000000-0000-4000-a000-%012d", index)
        let volume = volumeName(index)
        let pvc: JSONValue = [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": ["name": .string(claim), "namespace": .string(namespace), "uid": .string(claimUID)],
            "spec": [
                "accessModes": ["ReadWriteOnce"], "resources": ["requests": ["storage": "10Gi"]],
                "storageClassName": .string(scaleStorageClass), "volumeMode": "Block", "volumeName": .string(volume),
            ],
            "status": ["phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": ["storage": "10Gi"]],
        ]
        let pv: JSONValue = [
            "apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": ["name": .string(volume), "annotations": ["pv.kubernetes.io/provisioned-by": .string(scaleDriver)]],
            "spec": [
                "accessModes": ["ReadWriteOnce"], "capacity": ["storage": "10Gi"],
                "claimRef": ["apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": .string(claim), "namespace": .string(namespace), "uid": .string(claimUID)],
                "csi": ["driver": .string(scaleDriver), "volumeHandle": .string("0001-scale-\(index)")],
                "persistentVolumeReclaimPolicy": "Delete", "storageClassName": .string(scaleStorageClass), "volumeMode": "Block",
            ],
            "status": ["phase": "Bound"],
        ]
        return (vm, vmi, pod, pvc, pv)
    }
}
