import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's backup and restore graph unit tests: graph results compared as ordered lists.
@Suite("§12.12 Backup graphs")
struct BackupGraphCatalogueTests {
    static let ns = "test-namespace"

    static let vm = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"test-vm","namespace":"test-namespace"},
         "spec":{"template":{"spec":{"domain":{"devices":{}},"volumes":[{"name":"disk","dataVolume":{"name":"test-datavolume"}}]}}},
         "status":{"created":true}}
        """#)

    static let vmi = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"test-vmi","namespace":"test-namespace"},
         "spec":{"domain":{"devices":{}},"volumes":[
           {"name":"a","persistentVolumeClaim":{"claimName":"test-pvc"}},
           {"name":"b","dataVolume":{"name":"test-dv"}},
           {"name":"c","memoryDump":{"claimName":"test-memoryDump"}}],
          "accessCredentials":[{"sshPublicKey":{"source":{"secret":{"secretName":"test-ssh-public-key"}},"propagationMethod":{"noCloud":{}}}}]}}
        """#)

    static let dataVolume = json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"test-dv","namespace":"default"},"status":{"phase":"Succeeded"}}"#)

    @Test("TestNewObjectBackupGraph: VirtualMachine")
    func objectVirtualMachine() async throws {
        let harness = Harness()
        let expected: [ResourceIdentifier] = [
            .virtualMachineInstance(Self.ns, "test-vm"), .dataVolume(Self.ns, "test-datavolume"),
            .persistentVolumeClaim(Self.ns, "test-datavolume"),
        ]
        #expect(try await harness.backupGraph.object(Self.vm).items == expected)
        #expect(try await harness.backupGraph.virtualMachine(KubernetesObject(fetched: Self.vm, kind: "VirtualMachine")).items == expected)
    }

    @Test("TestNewObjectBackupGraph: VirtualMachineInstance")
    func objectVirtualMachineInstance() async throws {
        let harness = Harness()
        let expected: [ResourceIdentifier] = [
            .persistentVolumeClaim(Self.ns, "test-pvc"), .dataVolume(Self.ns, "test-dv"),
            .persistentVolumeClaim(Self.ns, "test-dv"), .persistentVolumeClaim(Self.ns, "test-memoryDump"),
            .secret(Self.ns, "test-ssh-public-key"),
        ]
        #expect(try await harness.backupGraph.object(Self.vmi) == GraphResult(items: expected))
        #expect(
            try await harness.backupGraph.virtualMachineInstance(KubernetesObject(fetched: Self.vmi, kind: "VirtualMachineInstance")).items
                == expected)
    }

    @Test("TestNewObjectBackupGraph: DataVolume")
    func objectDataVolume() async throws {
        let harness = Harness()
        #expect(try await harness.backupGraph.object(Self.dataVolume).items == [.persistentVolumeClaim("default", "test-dv")])
    }

    @Test("TestNewObjectBackupGraph: Pod")
    func objectPod() async throws {
        let harness = Harness()
        #expect(try await harness.backupGraph.object(json(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}"#)) == GraphResult())
    }

    /// TestNewVirtualMachineBackupGraph fixture: namespace "", instancetype/preference with status refs.
    static func fullVM(created: Bool, backend: Bool) -> JSONValue {
        var vm = json(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"test-vm"},
             "spec":{"instancetype":{"kind":"VirtualMachineInstancetype","name":"test-instancetype"},
                     "preference":{"kind":"VirtualMachinePreference","name":"test-preference"},
                     "template":{"spec":{"domain":{"devices":{}},
                       "volumes":[{"name":"disk","dataVolume":{"name":"test-datavolume"}}],
                       "accessCredentials":[{"sshPublicKey":{"source":{"secret":{"secretName":"test-ssh-secret"}}}}]}}},
             "status":{"instancetypeRef":{"controllerRevisionRef":{"name":"controller-revision-instancetype"}},
                       "preferenceRef":{"controllerRevisionRef":{"name":"controller-revision-preference"}}}}
            """#)
        if created { vm = vm.with(["status", "created"], true) }
        if backend { vm = vm.with(["spec", "template", "spec", "domain", "devices", "tpm"], ["persistent": true]) }
        return vm
    }

    static func fullVMHarness() -> Harness {
        Harness(FakeClusterReader { state in
            state.launcherPods[""] = [
                json(#"{"metadata":{"name":"test-vmi-launcher-pod","annotations":{"kubevirt.io/domain":"test-vm"}}}"#)
            ]
            state.claimLists[""] = [json(#"{"metadata":{"name":"backend-pvc","labels":{"persistent-state-for":"test-vm"}}}"#)]
        })
    }

    @Test("TestNewVirtualMachineBackupGraph: Should include all related resources")
    func vmAllRelated() async throws {
        let result = try await Self.fullVMHarness().backupGraph.virtualMachine(
            KubernetesObject(fetched: Self.fullVM(created: true, backend: false), kind: "VirtualMachine"))
        #expect(
            result.items == [
                .controllerRevision("", "controller-revision-instancetype"),
                .controllerRevision("", "controller-revision-preference"), .virtualMachineInstance("", "test-vm"),
                .pod("", "test-vmi-launcher-pod"), .dataVolume("", "test-datavolume"),
                .persistentVolumeClaim("", "test-datavolume"), .secret("", "test-ssh-secret"),
            ])
    }

    @Test("TestNewVirtualMachineBackupGraph: Should not include vmi and launcher pod")
    func vmNotCreated() async throws {
        let harness = Self.fullVMHarness()
        let result = try await harness.backupGraph.virtualMachine(
            KubernetesObject(fetched: Self.fullVM(created: false, backend: false), kind: "VirtualMachine"))
        #expect(
            result.items == [
                .controllerRevision("", "controller-revision-instancetype"),
                .controllerRevision("", "controller-revision-preference"), .dataVolume("", "test-datavolume"),
                .persistentVolumeClaim("", "test-datavolume"), .secret("", "test-ssh-secret"),
            ])
        #expect(harness.reader.podLists == 0)
    }

    @Test("TestNewVirtualMachineBackupGraph: Should include backend PVC")
    func vmBackendPVC() async throws {
        let result = try await Self.fullVMHarness().backupGraph.virtualMachine(
            KubernetesObject(fetched: Self.fullVM(created: true, backend: true), kind: "VirtualMachine"))
        #expect(
            result.items == [
                .controllerRevision("", "controller-revision-instancetype"),
                .controllerRevision("", "controller-revision-preference"), .virtualMachineInstance("", "test-vm"),
                .pod("", "test-vmi-launcher-pod"), .dataVolume("", "test-datavolume"),
                .persistentVolumeClaim("", "test-datavolume"), .persistentVolumeClaim("", "backend-pvc"),
                .secret("", "test-ssh-secret"),
            ])
    }

    static let allVolumesVMI = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"test-vmi","namespace":"test-namespace"},
         "spec":{"volumes":[
           {"name":"a","persistentVolumeClaim":{"claimName":"test-pvc"}},
           {"name":"b","dataVolume":{"name":"test-dv"}},
           {"name":"c","memoryDump":{"claimName":"test-memoryDump"}},
           {"name":"d","configMap":{"name":"test-cm"}},
           {"name":"e","secret":{"secretName":"test-secret"}},
           {"name":"f","serviceAccount":{"serviceAccountName":"test-sa"}}]}}
        """#)
    static let allVolumesExpected: [ResourceIdentifier] = [
        .persistentVolumeClaim(ns, "test-pvc"), .dataVolume(ns, "test-dv"), .persistentVolumeClaim(ns, "test-dv"),
        .persistentVolumeClaim(ns, "test-memoryDump"), .configMap(ns, "test-cm"), .secret(ns, "test-secret"),
        .serviceAccount(ns, "test-sa"),
    ]
    static let credentialsVMI = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"test-vmi","namespace":"test-namespace"},
         "spec":{"accessCredentials":[
           {"sshPublicKey":{"source":{"secret":{"secretName":"test-ssh-public-key"}}}},
           {"userPassword":{"source":{"secret":{"secretName":"test-user-password"}}}}]}}
        """#)
    static let credentialsExpected: [ResourceIdentifier] = [
        .secret(ns, "test-ssh-public-key"), .secret(ns, "test-user-password"),
    ]

    /// Pod lookup finds no match.
    static func unmatchedPodHarness() -> Harness {
        Harness(FakeClusterReader { $0.launcherPods[ns] = [json(#"{"metadata":{"name":"other","annotations":{"kubevirt.io/domain":"other"}}}"#)] })
    }

    @Test("TestNewVirtualMachineInstanceBackupGraph: Should include all volumes")
    func vmiAllVolumes() async throws {
        let result = try await Self.unmatchedPodHarness().backupGraph.virtualMachineInstance(
            KubernetesObject(fetched: Self.allVolumesVMI, kind: "VirtualMachineInstance"))
        #expect(result.items == Self.allVolumesExpected)
    }

    @Test("TestNewVirtualMachineInstanceBackupGraph: Should include all access credentials")
    func vmiAccessCredentials() async throws {
        let result = try await Self.unmatchedPodHarness().backupGraph.virtualMachineInstance(
            KubernetesObject(fetched: Self.credentialsVMI, kind: "VirtualMachineInstance"))
        #expect(result.items == Self.credentialsExpected)
    }

    @Test(
        "TestAddLauncherPod",
        arguments: [
            ("Should include launcher pod if present", #"{"metadata":{"name":"test-vmi-launcher-pod","annotations":{"kubevirt.io/domain":"test-vmi"}}}"#, true),
            ("Should include only own launcher pod", #"{"metadata":{"name":"test-vmi-launcher-pod","annotations":{"kubevirt.io/domain":"another-vmi"}}}"#, false),
            ("Should not include other pods", #"{"metadata":{"name":"test-vmi-launcher-pod"}}"#, false),
        ])
    func addLauncherPod(name: String, pod: String, included: Bool) async {
        let harness = Harness(FakeClusterReader { $0.launcherPods[Self.ns] = [json(pod)] })
        var result = GraphResult()
        await harness.backupGraph.steps.appendLauncherPod(namespace: Self.ns, vmiName: "test-vmi", to: &result)
        #expect(result.items == (included ? [.pod(Self.ns, "test-vmi-launcher-pod")] : []), "\(name)")
        #expect(result.errors.isEmpty)
    }

    @Test("TestNewDataVolumeBackupGraph: DataVolume Succeeded")
    func dataVolumeSucceeded() throws {
        let result = try Harness().backupGraph.dataVolume(KubernetesObject(fetched: Self.dataVolume, kind: "DataVolume"))
        #expect(result.items == [.persistentVolumeClaim("default", "test-dv")])
    }

    @Test("TestNewDataVolumeBackupGraph: DataVolume Not Succeeded")
    func dataVolumeNotSucceeded() throws {
        let item = Self.dataVolume.with(["status", "phase"], "ImportScheduled")
        #expect(try Harness().backupGraph.dataVolume(KubernetesObject(fetched: item, kind: "DataVolume")).items == [])
    }
}
