import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

@Suite("§12.13 Restore graphs")
struct RestoreGraphCatalogueTests {
    static let ns = "test-namespace"

    @Test("TestNewObjectRestoreGraph: VirtualMachine")
    func objectVirtualMachine() async throws {
        let vm = json(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"test-vm","namespace":"test-namespace"},
             "spec":{"preference":{"name":"test-preference","revisionName":"controller-revision-preference"},
                     "template":{"spec":{"volumes":[{"name":"disk","dataVolume":{"name":"test-datavolume"}}],
                       "accessCredentials":[{"sshPublicKey":{"source":{"secret":{"secretName":"test-ssh-secret"}}}}]}}}}
            """#)
        let expected: [ResourceIdentifier] = [
            .controllerRevision(Self.ns, "controller-revision-preference"), .dataVolume(Self.ns, "test-datavolume"),
            .persistentVolumeClaim(Self.ns, "test-datavolume"), .secret(Self.ns, "test-ssh-secret"),
        ]
        let harness = Harness()
        #expect(try await harness.restoreGraph.object(vm).items == expected)
        #expect(try await harness.restoreGraph.virtualMachine(KubernetesObject(fetched: vm, kind: "VirtualMachine")).items == expected)
    }

    @Test("TestNewObjectRestoreGraph: VirtualMachineInstance")
    func objectVirtualMachineInstance() async throws {
        let vmi = json(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"test-vmi","namespace":"test-namespace"},
             "spec":{"volumes":[{"name":"a","persistentVolumeClaim":{"claimName":"test-pvc"}},
                                {"name":"b","serviceAccount":{"serviceAccountName":"test-sa"}}],
                     "accessCredentials":[{"userPassword":{"source":{"secret":{"secretName":"test-user-password"}}}}]}}
            """#)
        let harness = Harness()
        #expect(
            try await harness.restoreGraph.object(vmi).items == [
                .persistentVolumeClaim(Self.ns, "test-pvc"), .serviceAccount(Self.ns, "test-sa"),
                .secret(Self.ns, "test-user-password"),
            ])
        #expect(harness.reader.calls.isEmpty, "restore graphs never look for launcher pods")
    }

    @Test("TestNewObjectRestoreGraph: Pod")
    func objectPod() async throws {
        #expect(try await Harness().restoreGraph.object(json(#"{"apiVersion":"v1","kind":"Pod"}"#)) == GraphResult())
    }

    @Test("TestNewVirtualMachineRestoreGraph: Should include all related resources")
    func vmAllRelated() async throws {
        let vm = json(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"test-vm","namespace":"test-namespace"},
             "spec":{"instancetype":{"name":"i","revisionName":"controller-revision-instancetype"},
                     "preference":{"name":"p","revisionName":"controller-revision-preference"},
                     "template":{"spec":{"domain":{"devices":{"tpm":{"persistent":true}}},
                       "volumes":[{"name":"disk","dataVolume":{"name":"test-datavolume"}}],
                       "accessCredentials":[{"sshPublicKey":{"source":{"secret":{"secretName":"test-ssh-secret"}}}}]}}}}
            """#)
        let harness = Harness(FakeClusterReader {
            $0.claimLists[Self.ns] = [json(#"{"metadata":{"name":"backend-pvc","labels":{"persistent-state-for":"test-vm"}}}"#)]
        })
        let result = try await harness.restoreGraph.virtualMachine(KubernetesObject(fetched: vm, kind: "VirtualMachine"))
        #expect(
            result.items == [
                .controllerRevision(Self.ns, "controller-revision-instancetype"),
                .controllerRevision(Self.ns, "controller-revision-preference"), .dataVolume(Self.ns, "test-datavolume"),
                .persistentVolumeClaim(Self.ns, "test-datavolume"), .persistentVolumeClaim(Self.ns, "backend-pvc"),
                .secret(Self.ns, "test-ssh-secret"),
            ])
    }

    @Test("TestNewVirtualMachineInstanceRestoreGraph: Should include all volumes")
    func vmiAllVolumes() async throws {
        let result = try await Harness().restoreGraph.virtualMachineInstance(
            KubernetesObject(fetched: BackupGraphCatalogueTests.allVolumesVMI, kind: "VirtualMachineInstance"))
        #expect(result.items == BackupGraphCatalogueTests.allVolumesExpected)
    }

    @Test("TestNewVirtualMachineInstanceRestoreGraph: Should include all access credentials")
    func vmiAccessCredentials() async throws {
        let result = try await Harness().restoreGraph.virtualMachineInstance(
            KubernetesObject(fetched: BackupGraphCatalogueTests.credentialsVMI, kind: "VirtualMachineInstance"))
        #expect(result.items == BackupGraphCatalogueTests.credentialsExpected)
    }
}
