import FakeKubeAPI
import Foundation
import PluginHost
import Testing
import VeleroPluginKit

/// The kubevirt-velero-plugin binary reading a cluster: KUBECONFIG points it at a local HTTPS API (FakeKubeAPI,
/// certificates generated per test) and it answers the API-reading actions through its real Kubernetes client.
@Suite struct ClusterReadsEndToEndTests {
    static let prefix = "kubevirt-velero-plugin/"

    struct Cluster {
        let server: FakeKubeAPIServer
        let environment: [String: String]
    }

    static func startCluster(token: String = "e2e-token") async throws -> Cluster {
        let certificates = try TestCertificates.generate()
        let server = FakeKubeAPIServer(tls: certificates.serverTLS)
        let port = try await server.start()
        server.requireToken(token)
        let directory = try makeScratchDirectory()
        let kubeconfig = FakeKubeAPIServer.kubeconfig(port: port, caPEM: certificates.caPEM, token: token)
        try kubeconfig.write(toFile: directory + "/kubeconfig", atomically: true, encoding: .utf8)
        return Cluster(server: server, environment: ["KUBECONFIG": directory + "/kubeconfig", "HOME": directory])
    }

    static func runningVM(_ name: String, namespace: String = "ns") -> [UInt8] {
        apiObject(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"\#(name)","namespace":"\#(namespace)"},
             "spec":{"runStrategy":"Always","template":{"spec":{"domain":{"devices":{}},
              "volumes":[{"name":"disk","persistentVolumeClaim":{"claimName":"\#(name)-disk"}}]}}},
             "status":{"created":true,"printableStatus":"Running"}}
            """#)
    }

    static func vmi(_ name: String, namespace: String = "ns") -> [UInt8] {
        apiObject(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"\#(name)","namespace":"\#(namespace)","ownerReferences":[{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","name":"\#(name)"}]},"spec":{"domain":{"devices":{}},"volumes":[{"name":"disk","persistentVolumeClaim":{"claimName":"\#(name)-disk"}}]},"status":{"phase":"Running"}}"#)
    }

    static func launcherPod(_ vm: String, namespace: String = "ns") -> [UInt8] {
        Array(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"virt-launcher-\#(vm)-x1","namespace":"\#(namespace)","labels":{"kubevirt.io":"virt-launcher"},"annotations":{"kubevirt.io/domain":"\#(vm)"}},"spec":{"nodeName":"worker-1"},"status":{"phase":"Running"}}"#.utf8)
    }

    static func pvc(_ name: String, uid: String, namespace: String = "ns") -> [UInt8] {
        Array(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"\#(name)","namespace":"\#(namespace)","uid":"\#(uid)"}}"#.utf8)
    }

    @Test func runningVMAndVMIBackupsReadTheirVMIAndLauncherPod() async throws {
        let cluster = try await Self.startCluster()
        defer { Task { await cluster.server.shutdown() } }
        for object in [Self.runningVM("vm1"), Self.vmi("vm1"), Self.launcherPod("vm1"), Self.pvc("vm1-disk", uid: "u-1")] {
            try cluster.server.store.add(object)
        }
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, environment: cluster.environment, handshakeTimeout: .seconds(10))
        let backup = Array("{}".utf8)
        let vm = try await host.backupExecute(name: Self.prefix + "backup-virtualmachine-action", item: Self.runningVM("vm1"), backup: backup)
        #expect(vm.additionalItems.map(\.description) == [
            "kubevirt.io/virtualmachineinstances ns/vm1", "/pods ns/virt-launcher-vm1-x1", "/persistentvolumeclaims ns/vm1-disk",
        ])
        let vmi = try await host.backupExecute(name: Self.prefix + "backup-virtualmachineinstance-action", item: Self.vmi("vm1"), backup: backup)
        #expect(String(decoding: vmi.item, as: UTF8.self).contains(#""cdi.kubevirt.io/velero.isOwned":"true""#))
        #expect(vmi.additionalItems.contains { $0.resource == "pods" && $0.name == "virt-launcher-vm1-x1" })
        let block = try await host.getRelatedItems(name: Self.prefix + "virtualmachine-itemblock-action", item: Self.runningVM("vm1"), backup: backup)
        #expect(block == vm.additionalItems)

        let podLists = cluster.server.requests.filter { $0.path == "/api/v1/namespaces/ns/pods" }
        #expect(podLists.count == 1, "one launcher-pod LIST serves the VM, the VMI and the item block")
        #expect(podLists.first?.query["labelSelector"] == "kubevirt.io=virt-launcher")
        #expect(cluster.server.requests.allSatisfy { $0.authorization == "Bearer e2e-token" })
        #expect(cluster.server.requests.allSatisfy { $0.userAgent == "kubevirt-velero-plugin-swift" }, "the plugin names itself")
        await host.kill()
        #expect(!host.process.stderrLines.joined().contains("e2e-token"), "the token never reaches a log line")
    }

    @Test func theClientPreparedAtStartMakesNoRequestUntilAnActionNeedsOne() async throws {
        let cluster = try await Self.startCluster()
        defer { Task { await cluster.server.shutdown() } }
        for object in [Self.runningVM("vm1"), Self.vmi("vm1"), Self.launcherPod("vm1"), Self.pvc("vm1-disk", uid: "u-1")] {
            try cluster.server.store.add(object)
        }
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, environment: cluster.environment, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        #expect(try await host.healthCheck() == HealthCheckResponse.serving)
        try await Task.sleep(for: .milliseconds(300))
        #expect(cluster.server.requests.isEmpty)
        #expect(cluster.server.connectionCount == 0, "preparing the client opens no connection")
        _ = try await host.backupExecute(name: Self.prefix + "backup-virtualmachine-action", item: Self.runningVM("vm1"), backup: Array("{}".utf8))
        #expect(!cluster.server.requests.isEmpty, "the backup reads the cluster")
    }

    @Test func missingVMIIsTheAPIsNotFoundMessageWithContext() async throws {
        let cluster = try await Self.startCluster()
        defer { Task { await cluster.server.shutdown() } }
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, environment: cluster.environment, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        await #expect {
            _ = try await host.backupExecute(name: Self.prefix + "backup-virtualmachine-action", item: Self.runningVM("ghost"), backup: Array("{}".utf8))
        } throws: { error in
            (error as? PluginCallError)?.message.hasPrefix(#"virtualmachineinstances.kubevirt.io "ghost" not found"#) == true
        }
    }

    @Test func dataVolumeOwnedPVCsAndVolumeSnapshotsUseTheirLookups() async throws {
        let cluster = try await Self.startCluster()
        defer { Task { await cluster.server.shutdown() } }
        try cluster.server.store.add(apiObject(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"dv1","namespace":"ns"},"status":{"phase":"Succeeded"}}"#))
        try cluster.server.store.add(Self.pvc("data", uid: "5f0c-uid"))
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, environment: cluster.environment, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let ownedPVC = Array(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"dv1","namespace":"ns","ownerReferences":[{"kind":"DataVolume","name":"dv1"}]}}"#.utf8)
        let pvc = try await host.backupExecute(name: Self.prefix + "backup-datavolume-action", item: ownedPVC, backup: Array("{}".utf8))
        #expect(String(decoding: pvc.item, as: UTF8.self).contains(#""cdi.kubevirt.io/storage.populatedFor":"dv1""#))
        let snapshot = Array(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"s1","namespace":"ns"},"spec":{"source":{"persistentVolumeClaimName":"data"}}}"#.utf8)
        let labelled = try await host.backupExecute(name: Self.prefix + "backup-volumesnapshot-action", item: snapshot, backup: Array("{}".utf8))
        #expect(String(decoding: labelled.item, as: UTF8.self).contains(#""velero.kubevirt.io/pvc-uid":"5f0c-uid""#))
    }

    @Test func anUnreachableAPIFailsOnlyTheItemsThatNeedIt() async throws {
        let cluster = try await Self.startCluster()
        await cluster.server.shutdown()
        let host = try await PluginHost(
            path: try BuiltBinaries.kubevirtPlugin,
            environment: cluster.environment.merging(["KUBEVIRT_VELERO_PLUGIN_API_TIMEOUT": "1"]) { $1 }, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let start = ContinuousClock.now
        await #expect {
            _ = try await host.backupExecute(name: Self.prefix + "backup-virtualmachine-action", item: Self.runningVM("vm1"), backup: Array("{}".utf8))
        } throws: { error in
            (error as? PluginCallError)?.message.contains("cannot get virtualmachineinstances.kubevirt.io ns/vm1") == true
        }
        // Bounded, not hung: a few 1 s attempts; the margin is for a two-core machine running the rest of the suite.
        #expect(ContinuousClock.now - start < .seconds(45))
        // actions without API reads still work
        let pvc = Self.pvc("p", uid: "u")
        #expect(try await host.backupExecute(name: Self.prefix + "backup-pvc-action", item: pvc, backup: Array("{}".utf8)).item != pvc)
        #expect(try await host.healthCheck() == HealthCheckResponse.serving)
    }

    @Test func aThousandRunningVMsCostOneLauncherPodList() async throws {
        let cluster = try await Self.startCluster()
        defer { Task { await cluster.server.shutdown() } }
        let count = 1000
        for index in 0..<count {
            try cluster.server.store.add(Self.vmi("vm\(index)"))
            try cluster.server.store.add(Self.launcherPod("vm\(index)"))
            try cluster.server.store.add(Self.pvc("vm\(index)-disk", uid: "uid-\(index)"))
        }
        // The client-side rate limit is lifted here: this measures the plugin, not the limiter.
        let host = try await PluginHost(
            path: try BuiltBinaries.kubevirtPlugin,
            environment: cluster.environment.merging(["KUBEVIRT_VELERO_PLUGIN_API_QPS": "100000", "KUBEVIRT_VELERO_PLUGIN_API_BURST": "100000"]) { $1 },
            handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    for index in stride(from: worker, to: count, by: 4) {
                        let response = try await host.backupExecute(
                            name: Self.prefix + "backup-virtualmachine-action", item: Self.runningVM("vm\(index)"), backup: Array("{}".utf8))
                        guard response.additionalItems.contains(where: { $0.name == "virt-launcher-vm\(index)-x1" }) else {
                            throw PluginHostError("vm\(index): launcher pod missing from \(response.additionalItems)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let requests = cluster.server.requests
        let podLists = requests.filter { $0.path == "/api/v1/namespaces/ns/pods" }.count
        #expect(podLists <= 2, "launcher-pod LISTs: \(podLists) (the reference makes about \(3 * count))")
        // D7 (docs/decisions.md): the VMIs and PVCs the checks read come from one LIST per namespace too
        // (in pages); no request per VM.
        let gets = requests.filter { $0.query["limit"] == nil }
        #expect(gets.isEmpty, "no per-VM GET: \(gets.prefix(3).map(\.path))")
        let vmiLists = requests.filter { $0.path == "/apis/kubevirt.io/v1/namespaces/ns/virtualmachineinstances" }.count
        let pvcLists = requests.filter { $0.path == "/api/v1/namespaces/ns/persistentvolumeclaims" }.count
        #expect(vmiLists <= 2 && pvcLists <= 2)
        #expect(requests.count == podLists + vmiLists + pvcLists)
        print("1000 running VMs: \(requests.count) API requests (\(podLists) pod LIST pages), \(elapsed)")  // stdout-ok (test)
    }
}
