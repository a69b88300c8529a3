import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit test TestVMIBackupItemAction (18 cases).
@Suite("§12.7 VMI backup action")
struct VMIBackupCatalogueTests {
    /// Reference fixture quirks kept: apiVersion `kubevirt.io`, kind `VirtualMachineInterface`, volumes under the
    /// invalid path `spec.template.spec.volumes` (so effectively none).
    static let nonOwnedVMI = json(#"""
        {"apiVersion":"kubevirt.io","kind":"VirtualMachineInterface",
         "metadata":{"name":"test-vmi","namespace":"test-namespace"},
         "spec":{"template":{"spec":{"volumes":[{"name":"v","dataVolume":{"name":"test-dv"}}]}}}}
        """#)
    /// D4 (docs/decisions.md): the owner reference carries kind VirtualMachine (the reference fixture has no kind).
    static let ownedVMI = nonOwnedVMI.with(
        ["metadata", "ownerReferences"], [["apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "name": "test-owner"]])
    static let pausedVMI = ownedVMI.with(["status", "conditions"], [["type": "Paused", "status": "True"]])
    static let launcherPod = json(#"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"test-vmi-launcher-pod","namespace":"test-namespace",
         "labels":{"kubevirt.io":"virt-launcher"},"annotations":{"kubevirt.io/domain":"test-vmi"}}}
        """#)
    static let excludedPod = launcherPod.with(["metadata", "labels", "velero.io/exclude-from-backup"], "true")

    static let launcherError = "VM is running but launcher pod is not included in the backup"
    static let volumesError = "VM has DataVolume or PVC volumes and DataVolumes/PVCs is not included in the backup"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var vmi: JSONValue
        var included: [String] = []
        var excluded: [String] = []
        var labels: [String: String] = [:]
        var pod: JSONValue = VMIBackupCatalogueTests.launcherPod
        var vmExcluded = false
        var error: String? = nil
        var testDescription: String { name }
    }

    static let vmisAndVMs = ["virtualmachineinstances", "virtualmachines"]

    static let cases: [Case] = [
        Case(name: "Paused VMI can exclude pods from backup", vmi: pausedVMI, included: vmisAndVMs, excluded: ["pods"]),
        Case(name: "Paused VMI can omit Pod in included resources", vmi: pausedVMI, included: vmisAndVMs),
        Case(
            name: "Paused VMI can exclude Pod by label", vmi: pausedVMI, included: vmisAndVMs + ["pods"],
            pod: excludedPod),
        Case(
            name: "Running VMI must include Pod in backup", vmi: ownedVMI,
            included: vmisAndVMs + ["persistentvolumeclaims"], error: launcherError),
        Case(
            name: "Running VMI must not exclude Pods", vmi: ownedVMI, included: vmisAndVMs + ["persistentvolumeclaims"],
            excluded: ["pods"], error: launcherError),
        Case(
            name: "Running VMI must not exclude its Pod by label", vmi: ownedVMI, included: vmisAndVMs,
            pod: excludedPod, error: launcherError),
        Case(name: "Running VMI must include Pod in backup unless it does not include PVCs", vmi: ownedVMI, included: vmisAndVMs),
        Case(
            name: "Running VMI must not exclude Pods unless it also excludes PVCs", vmi: ownedVMI, included: vmisAndVMs,
            excluded: ["pods", "persistentvolumeclaims"]),
        Case(
            name: "Owned VMI: Won't backup VMI if VMs are excluded", vmi: ownedVMI,
            included: ["virtualmachineinstances"], excluded: ["virtualmachines"]),
        Case(name: "Owned VMI: Will ignore VMI if VM is excluded by label", vmi: ownedVMI, included: vmisAndVMs, vmExcluded: true),
        Case(
            name: "Not owned VMI with DV volumes must include DataVolumes in backup",
            vmi: nonOwnedVMI.with(["spec", "volumes"], [["dataVolume": [:]]]),
            included: ["virtualmachineinstances", "pods"], error: volumesError),
        Case(
            name: "Not owned VMI with DV volumes must not exclude DataVolumes from backup",
            vmi: nonOwnedVMI.with(["spec", "volumes"], [["dataVolume": [:]]]), excluded: ["datavolumes"],
            error: volumesError),
        Case(
            name: "Not owned VMI with DV volumes can exclude DataVolumes from backup when using metadataBackup label",
            vmi: nonOwnedVMI.with(["spec", "volumes"], [["dataVolume": [:]]]), excluded: ["datavolumes"],
            labels: ["velero.kubevirt.io/metadataBackup": "true"]),
        Case(
            name: "Not owned VMI with PVC volumes must include PVCs in backup",
            vmi: nonOwnedVMI.with(["spec", "volumes"], [["persistentVolumeClaim": [:]]]),
            included: ["virtualmachineinstances", "pods"], error: volumesError),
        Case(
            name: "Not owned VMI with PVC volumes must not exclude PVCs from backup",
            vmi: nonOwnedVMI.with(["spec", "volumes"], [["persistentVolumeClaim": [:]]]),
            excluded: ["persistentvolumeclaims"], error: volumesError),
    ]

    /// Mocks: launcher-pod list returns the case's pod; VM label per case; DV never excluded; PVC not excluded.
    static func harness(pod: JSONValue, vmExcluded: Bool = false) -> Harness {
        Harness(FakeClusterReader { state in
            state.launcherPods["test-namespace"] = [pod]
            var owner = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"test-owner","namespace":"test-namespace"}}"#)
            if vmExcluded { owner = owner.with(["metadata", "labels", "velero.io/exclude-from-backup"], "true") }
            state.virtualMachines["test-namespace/test-owner"] = owner
            state.anyDataVolume = json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":""}}"#)
            state.anyClaim = json(#"{"kind":"PersistentVolumeClaim","metadata":{"name":""}}"#)
        })
    }

    @Test("TestVMIBackupItemAction", arguments: cases)
    func table(_ testCase: Case) async throws {
        let harness = Self.harness(pod: testCase.pod, vmExcluded: testCase.vmExcluded)
        let backupBytes = backup(included: testCase.included, excluded: testCase.excluded, labels: testCase.labels)
        if let error = testCase.error {
            await expectError(startingWith: error) {
                _ = try await harness.backupItem(harness.vmiBackup, testCase.vmi, backup: backupBytes)
            }
        } else {
            _ = try await harness.backupItem(harness.vmiBackup, testCase.vmi, backup: backupBytes)
        }
    }

    @Test("Owned VMI: Won't backup VMI if VMs are excluded — item unchanged, no extras")
    func excludedVMLeavesItemUnchanged() async throws {
        let harness = Self.harness(pod: Self.launcherPod)
        let result = try await harness.backupItem(
            harness.vmiBackup, Self.ownedVMI,
            backup: backup(included: ["virtualmachineinstances"], excluded: ["virtualmachines"]))
        #expect(result.output == .unchanged)
    }

    @Test("Owned VMI must add 'is owned' annotation")
    func isOwnedAnnotation() async throws {
        let harness = Self.harness(pod: Self.launcherPod)
        let output = try await harness.vmiBackup.execute(item: bytes(Self.ownedVMI), backup: bytes("{}"))
        let item = try JSONValue.parse(output.updatedItem ?? [])
        #expect(annotations(of: item) == JSONObject(["cdi.kubevirt.io/velero.isOwned": "true"]))
    }

    @Test("Launcher pod included in extra resources")
    func launcherPodExtra() async throws {
        let harness = Self.harness(pod: Self.launcherPod)
        let output = try await harness.vmiBackup.execute(item: bytes(Self.nonOwnedVMI), backup: bytes("{}"))
        #expect(output.additionalItems.contains(.pod("test-namespace", "test-vmi-launcher-pod")))
    }

    @Test("Volumes included in extra resources")
    func volumeExtras() async throws {
        let harness = Self.harness(pod: Self.launcherPod)
        let item = Self.ownedVMI.with(
            ["spec", "volumes"],
            [["persistentVolumeClaim": ["claimName": "test-pvc"]], ["dataVolume": ["name": "test-dv"]]])
        let output = try await harness.vmiBackup.execute(item: bytes(item), backup: bytes("{}"))
        #expect(output.additionalItems.contains(.persistentVolumeClaim("test-namespace", "test-pvc")))
        #expect(output.additionalItems.contains(.dataVolume("test-namespace", "test-dv")))
    }
}
