import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D7 (docs/decisions.md): LIST results are shared per namespace; the API cost of N running VMs grows only through
/// per-VM GETs.
@Suite("D7 shared cluster reads")
struct D7SharedClusterReadsTests {
    static func vm(_ index: Int) -> JSONValue {
        json(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm-\#(index)","namespace":"ns"},
             "spec":{"dataVolumeTemplates":[{"metadata":{"name":"vm-\#(index)-disk"}}],
              "template":{"spec":{"volumes":[{"name":"disk","dataVolume":{"name":"vm-\#(index)-disk"}},{"name":"data","persistentVolumeClaim":{"claimName":"vm-\#(index)-data"}}]}}},
             "status":{"created":true,"printableStatus":"Running"}}
            """#)
    }

    static func vmi(_ index: Int) -> JSONValue {
        json(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vm-\#(index)","namespace":"ns","ownerReferences":[{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","name":"vm-\#(index)"}]},
             "spec":{"volumes":[{"name":"disk","dataVolume":{"name":"vm-\#(index)-disk"}}]},"status":{"phase":"Running"}}
            """#)
    }

    static func pod(_ vmiName: String) -> JSONValue {
        json(#"{"metadata":{"name":"virt-launcher-\#(vmiName)-abcde","annotations":{"kubevirt.io/domain":"\#(vmiName)"}},"status":{"phase":"Running"}}"#)
    }

    /// A namespace with `count` running VMs, each with its VMI, launcher pod and PVC.
    static func cluster(_ count: Int, gate: Gate? = nil) -> FakeClusterReader {
        FakeClusterReader(gate: gate) { state in
            for index in 0..<count {
                state.virtualMachineInstances["ns/vm-\(index)"] = vmi(index)
                state.virtualMachines["ns/vm-\(index)"] = vm(index)
                state.claimLists["ns", default: []].append(json(#"{"metadata":{"name":"vm-\#(index)-data"}}"#))
            }
            state.launcherPods["ns"] = (0..<count).map { pod("vm-\($0)") }
        }
    }

    @Test("a LIST parsed with ObjectEssentials.selection projects to what the whole objects project to")
    func essentialsSelectionKeepsWhatTheProjectionReads() throws {
        var objects = ["launcher-pod-fedora-db.json", "vmi-fedora-db.json", "pvc-rootdisk.json", "datavolume-rootdisk.json"]
            .map { Fixtures.load($0) }
        objects.append(json(#"{"metadata":"odd","status":[1]}"#))
        objects.append(json(#"{"metadata":{"name":"n","annotations":"odd","labels":7,"uid":"u","namespace":"ns","x":1},"status":{"phase":"Pending","y":2}}"#))
        objects.append(json(#"{"metadata":{"annotations":{"kubevirt.io/domain":"a","b":"c","kubevirt.io/domain":"d"}}}"#))
        let list = JSONValue.object(["kind": "List", "items": .array(objects)])
        let text = list.serialized()
        let whole = try #require(try JSONValue.parse(text).objectValue?["items"]?.arrayValue)
        let selected = try #require(
            try JSONValue.parse(text, selecting: .members(["items": .elements(ObjectEssentials.selection)])).objectValue?["items"]?.arrayValue)
        #expect(whole.count == objects.count && selected.count == objects.count)
        for (full, partial) in zip(whole, selected) {
            #expect(ObjectEssentials.project(partial).serialized() == ObjectEssentials.project(full).serialized())
        }
        let pod = try #require(selected.first)
        // Kept of a pod: name, namespace, uid, labels, the domain annotation, spec.nodeName and status.phase.
        #expect(pod.serialized().count < whole[0].serialized().count / 3, "most of a pod is not materialised")
    }

    @Test("listed objects are found by name, annotation and label through tables that keep list order")
    func listedObjectLookups() {
        let listed = ListedObjects([
            json(#"{"metadata":{"name":"a","annotations":{"kubevirt.io/domain":"vm1"},"labels":{"persistent-state-for":"vm1"}}}"#),
            json(#"{"metadata":{"name":"b","annotations":{"kubevirt.io/domain":"vm1"},"labels":{"persistent-state-for":"vm2"}}}"#),
            json(#"{"metadata":{"name":"c","annotations":{"kubevirt.io/domain":7},"labels":{"persistent-state-for":"vm1"}}}"#),
            json(#"{"metadata":{"labels":"not an object"}}"#),
            json(#"{"metadata":{"name":"a","uid":"second-a"}}"#),
        ])
        func names(_ objects: [JSONValue]) -> [String] { objects.compactMap { try? $0.string(at: ["metadata", "name"]) } }
        // During a migration two pods carry the domain: the first in list order wins, as with a scan.
        #expect(names(listed.all(.annotation("kubevirt.io/domain"), equal: "vm1")) == ["a", "b"])
        #expect(listed.first(.annotation("kubevirt.io/domain"), equal: "vm1").flatMap { try? $0.string(at: ["metadata", "name"]) } == "a")
        #expect(listed.first(.annotation("kubevirt.io/domain"), equal: "7") == nil, "a non-string annotation matches nothing")
        #expect(names(listed.all(.label("persistent-state-for"), equal: "vm1")) == ["a", "c"])
        #expect(listed.first(.name, equal: "a").flatMap { try? $0.string(at: ["metadata", "uid"]) } == nil, "the first a, not the second")
        #expect(listed.all(.name, equal: "missing").isEmpty)
    }

    @Test("N running VMs cost one launcher-pod LIST, also with their VMIs backed up", arguments: [1, 10, 50])
    func oneListForNVMs(count: Int) async throws {
        let harness = Harness(Self.cluster(count))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<count {
                group.addTask {
                    let output = try await harness.vmBackup.execute(item: bytes(Self.vm(index)), backup: backup())
                    #expect(output.additionalItems.contains(.pod("ns", "virt-launcher-vm-\(index)-abcde")))
                }
            }
            try await group.waitForAll()
        }
        #expect(harness.reader.podLists == 1)
        for index in 0..<count {
            let output = try await harness.vmiBackup.execute(item: bytes(Self.vmi(index)), backup: backup())
            #expect(output.additionalItems.first == .pod("ns", "virt-launcher-vm-\(index)-abcde"))
        }
        #expect(harness.reader.podLists == 1, "VMI backups reuse the namespace's list")
        // No per-VM request at all: the VMIs, VMs and PVCs the checks read come from one LIST each.
        #expect(harness.reader.claimLists == 1)
        #expect(harness.reader.count("LIST virtualmachineinstances") == 1 && harness.reader.count("LIST virtualmachines.") == 1)
        #expect(harness.reader.count("GET") == 0, "\(harness.reader.calls)")
    }

    @Test("a VM whose pod appears after the first LIST is found after exactly one re-list")
    func podAppearsLater() async throws {
        let reader = Self.cluster(1)
        reader.configure { $0.podListSequence = [[], [Self.pod("vm-0")]] }
        let harness = Harness(reader)
        let output = try await harness.vmBackup.execute(item: bytes(Self.vm(0)), backup: backup())
        #expect(output.additionalItems.contains(.pod("ns", "virt-launcher-vm-0-abcde")))
        #expect(reader.podLists == 2)
    }

    @Test("a VMI without a pod re-lists once; a second lookup for it does not list again")
    func missingPodRelistsOnce() async throws {
        let reader = Self.cluster(1)
        reader.configure { $0.launcherPods["ns"] = [] }
        let harness = Harness(reader)
        await expectError(startingWith: "pod for running VMI not found") {
            _ = try await harness.vmiBackup.execute(item: bytes(Self.vmi(0)), backup: backup())
        }
        #expect(reader.podLists == 2)
        await expectError(startingWith: "pod for running VMI not found") {
            _ = try await harness.vmiBackup.execute(item: bytes(Self.vmi(0)), backup: backup())
        }
        #expect(reader.podLists == 2)
    }

    @Test("8 concurrent lookups in one namespace share one LIST")
    func concurrentLookupsShareOneList() async throws {
        let gate = Gate()
        let reader = Self.cluster(8, gate: gate)
        let index = LauncherPodIndex(reader: reader)
        let entered = EnteredCounter()
        try await withThrowingTaskGroup(of: JSONValue?.self) { group in
            for vm in 0..<8 {
                group.addTask {
                    await entered.increment()
                    return try await index.launcherPod(namespace: "ns", vmiName: "vm-\(vm)")
                }
            }
            // Let every lookup reach the index while the first LIST is held open.
            while await entered.value < 8 { await Task.yield() }
            for _ in 0..<100 { await Task.yield() }
            await gate.open()
            var found = 0
            for try await pod in group where pod != nil { found += 1 }
            #expect(found == 8)
        }
        #expect(reader.podLists == 1)
    }

    @Test("a LIST error is returned and not cached")
    func listErrorsAreNotCached() async throws {
        let reader = Self.cluster(1)
        reader.configure { $0.podListError = SimulatedAPIError(description: "etcdserver: request timed out") }
        let index = LauncherPodIndex(reader: reader)
        await expectError(startingWith: "etcdserver: request timed out") {
            _ = try await index.launcherPod(namespace: "ns", vmiName: "vm-0")
        }
        reader.configure { $0.podListError = nil }
        #expect(try await index.launcherPod(namespace: "ns", vmiName: "vm-0") != nil)
        #expect(reader.podLists == 2)
    }

    @Test("namespaces are cached separately")
    func perNamespace() async throws {
        let reader = FakeClusterReader {
            $0.launcherPods["a"] = [Self.pod("x")]
            $0.launcherPods["b"] = [Self.pod("y")]
        }
        let index = LauncherPodIndex(reader: reader)
        #expect(try await index.launcherPod(namespace: "a", vmiName: "x") != nil)
        #expect(try await index.launcherPod(namespace: "b", vmiName: "y") != nil)
        #expect(try await index.launcherPod(namespace: "a", vmiName: "x") != nil)
        #expect(reader.calls == ["LIST pods a", "LIST pods b"])
    }

    @Test("one PVC LIST serves VolumeSnapshot uids and backend-storage lookups")
    func sharedClaimList() async throws {
        let reader = FakeClusterReader {
            $0.claimLists["ns"] = [
                json(#"{"metadata":{"name":"p1","uid":"u1"}}"#),
                json(#"{"metadata":{"name":"persistent-state-for-vm1-x","uid":"u2","labels":{"persistent-state-for":"vm1"}}}"#),
            ]
        }
        let harness = Harness(reader)
        let snapshot = json(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"vs","namespace":"ns"},"spec":{"source":{"persistentVolumeClaimName":"p1"}}}"#)
        let labelled = try await harness.backupItem(harness.volumeSnapshotBackup, snapshot)
        #expect(labels(of: labelled.item)["velero.kubevirt.io/pvc-uid"] == "u1")
        let vm = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"domain":{"devices":{"tpm":{"persistent":true}}}}}}}"#)
        let restored = try await harness.restoreItem(harness.vmRestore, vm)
        #expect(restored.output.additionalItems == [.persistentVolumeClaim("ns", "persistent-state-for-vm1-x")])
        #expect(reader.claimLists == 1)
    }

    @Test("a PVC recreated after the LIST gives its VolumeSnapshot the new uid, read again from the API")
    func recreatedClaimIsReadAgain() async throws {
        let reader = FakeClusterReader {
            $0.claimLists["ns"] = [json(#"{"metadata":{"name":"p0","uid":"u0"}}"#), json(#"{"metadata":{"name":"p1","uid":"old"}}"#)]
        }
        let harness = Harness(reader)
        func snapshot(_ claim: String) -> JSONValue {
            json(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"vs-\#(claim)","namespace":"ns"},"spec":{"source":{"persistentVolumeClaimName":"\#(claim)"}}}"#)
        }
        func claim(_ name: String, uid: String) -> JSONValue {
            json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"\#(name)","namespace":"ns","uid":"\#(uid)"}}"#)
        }
        // The LIST is made (and cached) for the first snapshot; then p1 is deleted and created again.
        _ = try await harness.backupItem(harness.pvcBackup, claim("p0", uid: "u0"))
        let first = try await harness.backupItem(harness.volumeSnapshotBackup, snapshot("p0"))
        #expect(labels(of: first.item)["velero.kubevirt.io/pvc-uid"] == "u0")
        #expect(reader.calls == ["LIST persistentvolumeclaims ns"], "the PVC action's uid agrees with the LIST: no GET")
        reader.configure { $0.claims["ns/p1"] = json(#"{"metadata":{"name":"p1","uid":"new"}}"#) }
        _ = try await harness.backupItem(harness.pvcBackup, claim("p1", uid: "new"))
        let second = try await harness.backupItem(harness.volumeSnapshotBackup, snapshot("p1"))
        #expect(labels(of: second.item)["velero.kubevirt.io/pvc-uid"] == "new")
        #expect(reader.calls == ["LIST persistentvolumeclaims ns", "GET persistentvolumeclaims ns/p1"])
    }

    @Test("a VolumeSnapshot whose PVC appeared after the LIST is found after one re-list per missing name")
    func snapshotSourceAppearsLater() async throws {
        let reader = FakeClusterReader { $0.claimLists["ns"] = [json(#"{"metadata":{"name":"p1","uid":"u1"}}"#)] }
        let harness = Harness(reader)
        func snapshot(_ claim: String) -> JSONValue {
            json(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"vs-\#(claim)","namespace":"ns"},"spec":{"source":{"persistentVolumeClaimName":"\#(claim)"}}}"#)
        }
        _ = try await harness.backupItem(harness.volumeSnapshotBackup, snapshot("p1"))
        reader.configure { $0.claimLists["ns"]?.append(json(#"{"metadata":{"name":"p2","uid":"u2"}}"#)) }
        let late = try await harness.backupItem(harness.volumeSnapshotBackup, snapshot("p2"))
        #expect(labels(of: late.item)["velero.kubevirt.io/pvc-uid"] == "u2")
        #expect(reader.claimLists == 2)
        await expectError(startingWith: "PVC p3 not found in namespace ns") {
            _ = try await harness.backupItem(harness.volumeSnapshotBackup, snapshot("p3"))
        }
        await expectError(startingWith: "PVC p3 not found in namespace ns") {
            _ = try await harness.backupItem(harness.volumeSnapshotBackup, snapshot("p3"))
        }
        #expect(reader.claimLists == 3, "one re-list for p3, none for its second lookup")
    }

    @Test("backend storage: no match never re-lists and falls back to the legacy name")
    func backendFallback() async throws {
        let reader = FakeClusterReader { $0.claimLists["ns"] = [] }
        let harness = Harness(reader)
        let vm = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"domain":{"firmware":{"bootloader":{"efi":{"persistent":true}}}}}}}}"#)
        for _ in 0..<3 {
            let result = try await harness.restoreGraph.virtualMachine(KubernetesObject(fetched: vm, kind: "VirtualMachine"))
            #expect(result.items == [.persistentVolumeClaim("ns", "persistent-state-for-vm1")])
        }
        #expect(reader.claimLists == 1)
    }

    @Test("backend storage: a LIST error is logged at Warn and falls back to the legacy name")
    func backendListError() async throws {
        let reader = FakeClusterReader { $0.claimListError = SimulatedAPIError(description: "forbidden") }
        let harness = Harness(reader)
        let vm = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"domain":{"devices":{"tpm":{"persistent":true}}}}}}}"#)
        let result = try await harness.backupGraph.virtualMachine(KubernetesObject(fetched: vm, kind: "VirtualMachine"))
        #expect(result == GraphResult(items: [.persistentVolumeClaim("ns", "persistent-state-for-vm1")]))
        #expect(harness.logs.messages(at: .warning).count == 1)
        #expect(harness.logs.messages(at: .warning).first?.contains("forbidden") == true)
    }

    @Test("instantiating every action makes no API request and cannot fail")
    func cheapInstantiation() throws {
        let reader = FakeClusterReader()
        let logs = LogCapture()
        let plugin = KubeVirtPlugin(clusterReader: reader, makeLogger: { _ in logs.logger })
        for registration in plugin.backupItemActions { _ = try registration.make().appliesTo() }
        for registration in plugin.restoreItemActions { _ = try registration.make().appliesTo() }
        for registration in plugin.itemBlockActions { _ = try registration.make().appliesTo() }
        #expect(reader.calls.isEmpty)
        #expect(logs.messages(at: .debug).filter { $0.hasPrefix("Creating ") }.count == 22)
    }

    @Test("with no Kubernetes client, actions that need no reads still work")
    func unavailableReader() async throws {
        let plugin = KubeVirtPlugin(clusterReader: UnavailableClusterReader(reason: "no service account"), makeLogger: { _ in LogCapture().logger })
        let pvc = bytes(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"ns","uid":"u"}}"#)
        let output = try await plugin.backupItemActions[1].make().execute(item: pvc, backup: backup())
        #expect(output.updatedItem != nil)
        await expectError(startingWith: "Kubernetes client not available: no service account") {
            _ = try await UnavailableClusterReader(reason: "no service account").get(.virtualMachines, namespace: "a", name: "b")
        }
    }
}

actor EnteredCounter {
    private(set) var value = 0
    func increment() { value += 1 }
}
