import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit tests TestCanBeSafelyBackedUp and TestVMBackupAction.
@Suite("§12.5 VM backup action")
struct VMBackupCatalogueTests {
    static let vm = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine",
         "metadata":{"name":"test-vm","namespace":"test-namespace"},
         "spec":{"template":{"spec":{"domain":{"devices":{}}}}}}
        """#)

    static func vm(status: String) -> KubernetesObject {
        KubernetesObject(fetched: vm.with(["status", "printableStatus"], .string(status)), kind: "VirtualMachine")
    }

    /// The reference mocks isVMIExcludedByLabel; here the VMI the GET returns carries the label or not.
    static func harness(vmiExcluded: Bool = false) -> Harness {
        Harness(FakeClusterReader { state in
            var vmi = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"test-vm","namespace":"test-namespace"}}"#)
            if vmiExcluded { vmi = vmi.with(["metadata", "labels", "velero.io/exclude-from-backup"], "true") }
            state.virtualMachineInstances["test-namespace/test-vm"] = vmi
        })
    }

    struct SafetyCase: CustomTestStringConvertible, Sendable {
        var name: String
        var status: String
        var included: [String] = []
        var excluded: [String] = []
        var vmiExcluded = false
        var safe: Bool
        var testDescription: String { name }
    }

    static let safetyCases: [SafetyCase] = [
        SafetyCase(name: "Stopped VM can be safely backed up", status: "Stopped", safe: true),
        SafetyCase(name: "Provisioning VM can be safely backed up", status: "Provisioning", safe: true),
        SafetyCase(name: "Paused VM can be safely backed up", status: "Paused", safe: true),
        SafetyCase(name: "Stopping VM can be safely backed up", status: "Stopping", safe: true),
        SafetyCase(name: "Terminating VM can be safely backed up", status: "Terminating", safe: true),
        SafetyCase(name: "Migrating VM can be safely backed up", status: "Migrating", safe: true),
        SafetyCase(name: "Unknown VM can be safely backed up", status: "Unknown", safe: true),
        SafetyCase(
            name: "Running VM can be safely backed up when IncludeResources and ExcludedResources is empty",
            status: "Running", safe: true),
        SafetyCase(
            name: "Starting VM can be safely backed up when IncludeResources and ExcludedResources is empty",
            status: "Starting", safe: true),
        // Misleading reference name (Q21): the expected answer is "cannot".
        SafetyCase(
            name:
                "Running VM can be safely backed up when IncludeResources and ExcludedResources is empty and VMI is excluded by label",
            status: "Running", vmiExcluded: true, safe: false),
        SafetyCase(
            name: "Running VM can be safely backed up when IncludedResources includes pods and VMIs", status: "Running",
            included: ["pods", "virtualmachineinstances"], safe: true),
        SafetyCase(
            name: "Running VM can be safely backed up when ExcludedResources excludes pods and PVCs", status: "Running",
            excluded: ["pods", "persistentvolumeclaims"], safe: true),
        SafetyCase(
            name: "Running VM cannot be safely backed up when IncludedResources includes VMIs and PVCs but not pods",
            status: "Running", included: ["virtualmachineinstances", "persistentvolumeclaims"], safe: false),
        SafetyCase(
            name: "Running VM can be safely backed up when IncludedResources includes only VMIs", status: "Running",
            included: ["virtualmachineinstances"], safe: true),
        SafetyCase(
            name: "Running VM cannot be safely backed up when IncludedResources includes only pods", status: "Running",
            included: ["pods"], safe: false),
        SafetyCase(
            name: "Running VM cannot be safely backed up when ExcludedResources excludes pods", status: "Running",
            excluded: ["pods"], safe: false),
        SafetyCase(
            name: "Running VM cannot be safely backed up when ExcludedResources excludes VMIs", status: "Running",
            excluded: ["virtualmachineinstances"], safe: false),
        SafetyCase(
            name: "Running VM cannot be safely backed up when VMI is excluded by label", status: "Running",
            vmiExcluded: true, safe: false),
    ]

    @Test("TestCanBeSafelyBackedUp", arguments: safetyCases)
    func canBeSafelyBackedUp(_ testCase: SafetyCase) async throws {
        let harness = Self.harness(vmiExcluded: testCase.vmiExcluded)
        let reason = try await harness.vmBackup.unsafeBackupReason(
            Self.vm(status: testCase.status), filter: filter(included: testCase.included, excluded: testCase.excluded))
        #expect((reason == nil) == testCase.safe, "\(testCase.name): reason \(reason ?? "none")")
    }

    /// TestVMBackupAction mocks: VMI, DV and PVC not excluded; launcher-pod list empty.
    static func actionHarness() -> Harness {
        let harness = harness()
        harness.reader.configure {
            $0.anyDataVolume = json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"dv"}}"#)
            $0.anyClaim = json(#"{"kind":"PersistentVolumeClaim","metadata":{"name":"pvc"}}"#)
        }
        return harness
    }

    static let runningVM = vm.with(["status"], ["created": true, "printableStatus": "Running"])
    static let ns = "test-namespace"

    @Test("Action should return err for a VM that cannot be safely backed up")
    func unsafe() async {
        let harness = Self.actionHarness()
        await expectError(startingWith: "VM cannot be safely backed up") {
            _ = try await harness.backupItem(harness.vmBackup, Self.runningVM, backup: backup(included: ["pods"]))
        }
    }

    @Test("Action should return err for a VM would not be safely restored")
    func notRestorable() async {
        let harness = Self.actionHarness()
        // Volumes under an invalid key are ignored; the VM actually fails the safety check (VMIs not included).
        let item = Self.runningVM.with(
            ["spec", "template", "spec", "volumeSource"], [["name": "disk", "dataVolume": ["name": "test-dv"]]])
        await expectError(startingWith: "VM cannot be safely backed up") {
            _ = try await harness.backupItem(harness.vmBackup, item, backup: backup(included: ["datavolume"]))
        }
    }

    @Test("Action should succeed when VM with excluded volumes has metadataBackup label")
    func metadataBackup() async throws {
        let harness = Self.actionHarness()
        let item = Self.runningVM.with(
            ["spec", "template", "spec", "volumes"], [["name": "disk", "dataVolume": ["name": "test-dv"]]])
        let result = try await harness.backupItem(
            harness.vmBackup, item,
            backup: backup(
                included: ["virtualmachineinstances"], excluded: ["datavolumes", "persistentvolumeclaims"],
                labels: ["velero.kubevirt.io/metadataBackup": "true"]))
        expectSameSet(
            result.extras,
            [
                .virtualMachineInstance(Self.ns, "test-vm"), .dataVolume(Self.ns, "test-dv"),
                .persistentVolumeClaim(Self.ns, "test-dv"),
            ])
    }

    @Test("Created VM needs to include VMI")
    func createdIncludesVMI() async throws {
        let harness = Self.actionHarness()
        let result = try await harness.backupItem(harness.vmBackup, Self.vm.with(["status", "created"], true))
        expectSameSet(result.extras, [.virtualMachineInstance(Self.ns, "test-vm")])
    }

    @Test("All volumes needs to be included")
    func allVolumes() async throws {
        let harness = Self.actionHarness()
        let item = Self.vm.with(
            ["spec", "template", "spec", "volumes"],
            [
                ["name": "v1", "dataVolume": ["name": "test-dv"]],
                ["name": "v2", "persistentVolumeClaim": ["claimName": "test-pvc"]],
                ["name": "v3", "memoryDump": ["claimName": "test-memory-dump"]],
                ["name": "v4", "configMap": ["name": "test-config-map"]],
                ["name": "v5", "secret": ["secretName": "test-secret"]],
                ["name": "v6", "serviceAccount": ["serviceAccountName": "test-service-account"]],
            ])
        let result = try await harness.backupItem(harness.vmBackup, item)
        expectSameSet(
            result.extras,
            [
                .dataVolume(Self.ns, "test-dv"), .persistentVolumeClaim(Self.ns, "test-dv"),
                .persistentVolumeClaim(Self.ns, "test-pvc"), .persistentVolumeClaim(Self.ns, "test-memory-dump"),
                .configMap(Self.ns, "test-config-map"), .secret(Self.ns, "test-secret"),
                .serviceAccount(Self.ns, "test-service-account"),
            ])
    }

    @Test("Created VM needs to include instancetype and preference")
    func instancetypeAndPreference() async throws {
        let harness = Self.actionHarness()
        let item = Self.vm
            .with(
                ["spec", "instancetype"],
                ["kind": "virtualmachineinstancetype", "name": "test-instancetype", "revisionName": "test-revision1"]
            )
            .with(
                ["spec", "preference"],
                ["kind": "virtualmachinepreference", "name": "test-preference", "revisionName": "test-revision2"])
        let result = try await harness.backupItem(harness.vmBackup, item)
        expectSameSet(
            result.extras,
            [.controllerRevision(Self.ns, "test-revision1"), .controllerRevision(Self.ns, "test-revision2")])
    }
}
