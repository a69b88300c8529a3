import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit test TestVmRestoreExecute. The reference runs its subtests on one shared, mutated input;
/// each test here starts from the input as it stands at that point of the sequence.
@Suite("§12.6 VM restore action")
struct VMRestoreCatalogueTests {
    static let vm = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine",
         "metadata":{"name":"test-vm","namespace":"test-namespace"},
         "spec":{"runStrategy":"Always",
          "dataVolumeTemplates":[{"metadata":{"name":"test-dv-1"}},{"metadata":{"name":"test-dv-2"}}],
          "template":{"spec":{"domain":{"firmware":{"uuid":"original-uuid"},"devices":{}},
           "volumes":[{"name":"v1","dataVolume":{"name":"test-dv-1"}},{"name":"v2","dataVolume":{"name":"test-dv-2"}}]}}}}
        """#)

    func run(_ item: JSONValue, labels: [String: String] = [:]) async throws -> (item: JSONValue, output: RestoreItemActionOutput) {
        let harness = Harness()
        return try await harness.restoreItem(harness.vmRestore, item, restore: restore(labels: labels))
    }

    @Test("Running VM should be restored running")
    func runningStaysRunning() async throws {
        let result = try await run(Self.vm)
        #expect(try result.item.string(at: ["spec", "runStrategy"]) == "Always")
    }

    @Test("Stopped VM should be restored stopped")
    func stoppedStaysStopped() async throws {
        let result = try await run(Self.vm.with(["spec", "runStrategy"], "Halted"))
        #expect(try result.item.string(at: ["spec", "runStrategy"]) == "Halted")
    }

    @Test("Stopped VM should be restored running when using appropriate label")
    func stoppedToRunning() async throws {
        let result = try await run(
            Self.vm.with(["spec", "runStrategy"], "Halted"), labels: ["velero.kubevirt.io/restore-run-strategy": "Always"])
        #expect(try result.item.string(at: ["spec", "runStrategy"]) == "Always")
    }

    @Test("Running VM should be restored stopped when using appropriate label")
    func runningToStopped() async throws {
        let result = try await run(Self.vm, labels: ["velero.kubevirt.io/restore-run-strategy": "Halted"])
        #expect(try result.item.string(at: ["spec", "runStrategy"]) == "Halted")
    }

    @Test("Running field should be cleared when run strategy annotation")
    func runningCleared() async throws {
        let item = Self.vm.with(["spec", "running"], true).with(["spec", "runStrategy"], "")
        let result = try await run(item, labels: ["velero.kubevirt.io/restore-run-strategy": "Halted"])
        #expect(try result.item.string(at: ["spec", "runStrategy"]) == "Halted")
        #expect(try result.item.lookup(["spec", "running"]) == .absent)
    }

    @Test("New firmware UUID should be generated when using appropriate label")
    func newFirmwareUUID() async throws {
        let result = try await run(Self.vm, labels: ["velero.kubevirt.io/generate-new-firmware-uuid": "true"])
        let uuid = try result.item.string(at: ["spec", "template", "spec", "domain", "firmware", "uuid"])
        #expect(uuid?.isEmpty == false)
        #expect(uuid != "original-uuid")
    }

    @Test("VM should return DVs as additional items")
    func dataVolumesAsAdditionalItems() async throws {
        let result = try await run(Self.vm.with(["spec", "running"], true))
        #expect(result.output.additionalItems.count == 4)
        #expect(result.output.additionalItems.map(\.name) == ["test-dv-1", "test-dv-1", "test-dv-2", "test-dv-2"])
        #expect(result.output.additionalItems.map(\.resource) == ["datavolumes", "persistentvolumeclaims", "datavolumes", "persistentvolumeclaims"])
    }
}
