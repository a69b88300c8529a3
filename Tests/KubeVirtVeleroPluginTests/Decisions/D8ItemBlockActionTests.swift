import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D8 (docs/decisions.md): the VirtualMachine ItemBlockAction returns the VM backup graph.
@Suite("D8 VirtualMachine ItemBlockAction")
struct D8ItemBlockActionTests {
    static let vm = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},
         "spec":{"template":{"spec":{"volumes":[{"name":"disk","dataVolume":{"name":"vm1-disk"}}]}}},
         "status":{"created":true,"printableStatus":"Running"}}
        """#)

    static func harness() -> Harness {
        Harness(FakeClusterReader {
            $0.launcherPods["ns"] = [json(#"{"metadata":{"name":"virt-launcher-vm1-q","annotations":{"kubevirt.io/domain":"vm1"}}}"#)]
        })
    }

    @Test("AppliesTo names the group-qualified resource")
    func appliesTo() throws {
        #expect(try Self.harness().itemBlock.appliesTo() == ResourceSelector(includedResources: ["virtualmachines.kubevirt.io"]))
    }

    @Test("a created VM's related items equal its backup graph, VMI and launcher pod included")
    func relatedItems() async throws {
        let harness = Self.harness()
        let related = try await harness.itemBlock.getRelatedItems(item: bytes(Self.vm), backup: backup())
        let graph = try await harness.backupGraph.virtualMachine(KubernetesObject(fetched: Self.vm, kind: "VirtualMachine"))
        #expect(related == graph.items)
        #expect(
            related == [
                .virtualMachineInstance("ns", "vm1"), .pod("ns", "virt-launcher-vm1-q"), .dataVolume("ns", "vm1-disk"),
                .persistentVolumeClaim("ns", "vm1-disk"),
            ])
        #expect(harness.logs.messages(at: .info).contains("Executing VMItemBlockAction"))
    }

    @Test("a stopped VM has no VMI or pod in its block; no checks run even if filters exclude things")
    func stoppedVM() async throws {
        let harness = Self.harness()
        let stopped = Self.vm.with(["status"], ["printableStatus": "Stopped"])
        let related = try await harness.itemBlock.getRelatedItems(item: bytes(stopped), backup: backup(included: ["pods"]))
        #expect(related == [.dataVolume("ns", "vm1-disk"), .persistentVolumeClaim("ns", "vm1-disk")])
        #expect(harness.reader.calls.isEmpty)
    }

    @Test("a pod LIST failure returns the partial list with one Warn line and no error")
    func partialOnListFailure() async throws {
        let harness = Harness(FakeClusterReader { $0.podListError = SimulatedAPIError(description: "connection reset") })
        let related = try await harness.itemBlock.getRelatedItems(item: bytes(Self.vm), backup: backup())
        #expect(related == [.virtualMachineInstance("ns", "vm1"), .dataVolume("ns", "vm1-disk"), .persistentVolumeClaim("ns", "vm1-disk")])
        let warnings = harness.logs.messages(at: .warning)
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("VirtualMachine ns/vm1") == true)
        #expect(warnings.first?.contains("connection reset") == true)
        #expect(harness.logs.messages(at: .error).isEmpty)
    }

    @Test("the VM BackupItemAction fails the item for the same LIST failure")
    func vmActionFailsOnListFailure() async {
        let harness = Harness(FakeClusterReader {
            $0.podListError = SimulatedAPIError(description: "connection reset")
            $0.virtualMachineInstances["ns/vm1"] = json(#"{"metadata":{"name":"vm1"}}"#)
            $0.anyDataVolume = json(#"{"metadata":{"name":"vm1-disk"}}"#)
        })
        await expectError(startingWith: "failed to get launcher pod from VMI ns/vm1: connection reset") {
            _ = try await harness.backupItem(harness.vmBackup, Self.vm)
        }
    }

    @Test("an item that is not a VirtualMachine has no related items")
    func otherKinds() async throws {
        let related = try await Self.harness().itemBlock.getRelatedItems(item: bytes(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"#), backup: backup())
        #expect(related.isEmpty)
    }

    @Test("the plugin lists 20 actions, kinds in ListPlugins order, names sorted, the ItemBlockAction last")
    func registrationOrder() {
        let plugin = KubeVirtPlugin(clusterReader: FakeClusterReader(), makeLogger: { _ in LogCapture().logger })
        let backupNames = plugin.backupItemActions.map(\.name)
        let restoreNames = plugin.restoreItemActions.map(\.name)
        let blockNames = plugin.itemBlockActions.map(\.name)
        #expect(backupNames == backupNames.sorted())
        #expect(restoreNames == restoreNames.sorted())
        let all = backupNames + restoreNames + blockNames
        #expect(all.count == 22)
        #expect(Set(all).count == 22)
        #expect(all.last == "kubevirt-velero-plugin/virtualmachine-itemblock-action")
        #expect(
            all == [
                "kubevirt-velero-plugin/backup-datavolume-action", "kubevirt-velero-plugin/backup-pvc-action",
                "kubevirt-velero-plugin/backup-virtualmachine-action",
                "kubevirt-velero-plugin/backup-virtualmachineinstance-action",
                "kubevirt-velero-plugin/backup-volumesnapshot-action", "kubevirt-velero-plugin/restore-controllerrevision-action",
                "kubevirt-velero-plugin/restore-datavolume-action",
                "kubevirt-velero-plugin/restore-networkattachmentdefinition-action", "kubevirt-velero-plugin/restore-pod-action",
                "kubevirt-velero-plugin/restore-pvc-action",
                "kubevirt-velero-plugin/restore-virtualmachinebackup-action",
                "kubevirt-velero-plugin/restore-virtualmachineclone-action",
                "kubevirt-velero-plugin/restore-virtualmachineexport-action",
                "kubevirt-velero-plugin/restore-virtualmachineinstancemigration-action",
                "kubevirt-velero-plugin/restore-virtualmachinepool-action",
                "kubevirt-velero-plugin/restore-virtualmachinerestore-action",
                "kubevirt-velero-plugin/restore-virtualmachinesnapshot-action",
                "kubevirt-velero-plugin/restore-virtualmachinesnapshotcontent-action",
                "kubevirt-velero-plugin/restore-vm-action",
                "kubevirt-velero-plugin/restore-vmi-action", "kubevirt-velero-plugin/restore-volumesnapshot-action",
                "kubevirt-velero-plugin/virtualmachine-itemblock-action",
            ])
    }

    @Test("AppliesTo selectors are exactly the reference's, plus the DataVolume and NAD restore actions (D11) and the operation objects' and pool revisions' (D12)")
    func selectors() throws {
        let plugin = KubeVirtPlugin(clusterReader: FakeClusterReader(), makeLogger: { _ in LogCapture().logger })
        let backupSelectors = try plugin.backupItemActions.map { try $0.make().appliesTo() }
        #expect(
            backupSelectors.map(\.includedResources) == [
                ["PersistentVolumeClaim", "DataVolume"], ["PersistentVolumeClaim"], ["VirtualMachine"],
                ["VirtualMachineInstance"], ["VolumeSnapshot"],
            ])
        let restoreSelectors = try plugin.restoreItemActions.map { try $0.make().appliesTo() }
        #expect(
            restoreSelectors == [
                ResourceSelector(includedResources: ["controllerrevisions.apps"]),
                ResourceSelector(includedResources: ["DataVolume"]),
                ResourceSelector(includedResources: ["network-attachment-definitions.k8s.cni.cncf.io"]),
                ResourceSelector(includedResources: ["Pod"], selector: "kubevirt.io in (virt-launcher, hotplug-disk)"),
                ResourceSelector(includedResources: ["PersistentVolumeClaim"]),
                ResourceSelector(includedResources: ["virtualmachinebackups.backup.kubevirt.io"]),
                ResourceSelector(includedResources: ["virtualmachineclones.clone.kubevirt.io"]),
                ResourceSelector(includedResources: ["virtualmachineexports.export.kubevirt.io"]),
                ResourceSelector(includedResources: ["virtualmachineinstancemigrations.kubevirt.io"]),
                ResourceSelector(includedResources: ["virtualmachinepools.pool.kubevirt.io"]),
                ResourceSelector(includedResources: ["virtualmachinerestores.snapshot.kubevirt.io"]),
                ResourceSelector(includedResources: ["virtualmachinesnapshots.snapshot.kubevirt.io"]),
                ResourceSelector(includedResources: ["virtualmachinesnapshotcontents.snapshot.kubevirt.io"]),
                ResourceSelector(includedResources: ["VirtualMachine"]),
                ResourceSelector(includedResources: ["VirtualMachineInstance"]),
                ResourceSelector(includedResources: ["VolumeSnapshot"]),
            ])
        #expect(backupSelectors.allSatisfy { $0.selector.isEmpty && $0.includedNamespaces.isEmpty && $0.excludedResources.isEmpty })
    }
}
