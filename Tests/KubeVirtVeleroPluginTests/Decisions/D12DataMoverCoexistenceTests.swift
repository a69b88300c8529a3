import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// OADP's kubevirt-datamover next to this plugin: its VM restore action (migtools/kubevirt-datamover-plugin,
/// `vm/restore.go`, `haltVM`) sets a VM it backed up to `Halted`, stashing the strategy to restore in
/// `kubevirt-datamover.io/original-run-strategy(-source)`, and its controller sets that strategy once the VM's
/// DataDownloads completed. This plugin keeps its annotations and its hold.
@Suite("D12 next to kubevirt-datamover")
struct D12DataMoverCoexistenceTests {
    static let held = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine",
         "metadata":{"name":"db","namespace":"ops","annotations":{"velero.io/data-upload-name":"velero/db-backup-x7k2p",
           "kubevirt-datamover.io/original-run-strategy":"Always","kubevirt-datamover.io/original-run-strategy-source":"runStrategy",
           "kubevirt-datamover.io/max-incremental-backups":"6"}},
         "spec":{"runStrategy":"Halted","template":{"spec":{"domain":{"devices":{"interfaces":[{"name":"default","masquerade":{},"macAddress":"02:00:00:00:00:09"}]}},
           "networks":[{"name":"default","pod":{}}]}}}}
        """#)

    @Test("the Restore's run strategy goes where the data mover will apply it; the VM stays Halted until then")
    func runStrategyLabel() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(
            harness.vmRestore, Self.held,
            restore: restore(labels: ["velero.kubevirt.io/restore-run-strategy": "Manual", "velero.kubevirt.io/clear-mac-address": ""]))
        #expect(try result.item.string(at: ["spec", "runStrategy"]) == "Halted")
        let annotations = annotations(of: result.item)
        #expect(annotations["kubevirt-datamover.io/original-run-strategy"] == "Manual")
        #expect(annotations["kubevirt-datamover.io/original-run-strategy-source"] == "runStrategy")
        #expect(annotations["kubevirt-datamover.io/max-incremental-backups"] == "6")
        #expect(annotations["velero.io/data-upload-name"] == "velero/db-backup-x7k2p")
        // The other restore options still apply.
        #expect(try result.item.value(at: ["spec", "template", "spec", "domain", "devices", "interfaces", 0, "macAddress"]) == nil)
    }

    @Test("without restore options the held VM passes unchanged, its kubevirt-datamover annotations with it")
    func untouched() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.vmRestore, Self.held)
        #expect(result.output.updatedItem == nil)
    }

    @Test("a VM the data mover does not hold gets the run strategy in its spec, as before")
    func notHeld() async throws {
        let harness = Harness()
        let free = Self.held.without(["metadata", "annotations"])
        let result = try await harness.restoreItem(harness.vmRestore, free, restore: restore(labels: ["velero.kubevirt.io/restore-run-strategy": "Manual"]))
        #expect(try result.item.string(at: ["spec", "runStrategy"]) == "Manual")
    }
}
