import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D9 (docs/decisions.md): sysprep, ephemeral PVCs and same-namespace Multus NADs in all four VM/VMI graphs.
@Suite("D9 extra graph coverage")
struct D9GraphCoverageTests {
    static let ns = "ns"

    /// `spec` fragment for a VMI, or the VM template's spec.
    static func vmi(_ spec: String) -> KubernetesObject {
        KubernetesObject(fetched: json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vm1","namespace":"ns"},"spec":"# + spec + "}"), kind: "VirtualMachineInstance")
    }

    static func vm(_ spec: String) -> KubernetesObject {
        KubernetesObject(fetched: json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":"# + spec + "}}}"), kind: "VirtualMachine")
    }

    /// Every graph over the same spec, with what each adds before the spec's items.
    static func allGraphs(_ spec: String, _ harness: Harness) async throws -> [[ResourceIdentifier]] {
        [
            try await harness.backupGraph.virtualMachine(vm(spec)).items,
            Array(try await harness.backupGraph.virtualMachineInstance(vmi(spec)).items),
            try await harness.restoreGraph.virtualMachine(vm(spec)).items,
            try await harness.restoreGraph.virtualMachineInstance(vmi(spec)).items,
        ]
    }

    static let cases: [(String, String, [ResourceIdentifier])] = [
        ("sysprep with a ConfigMap", #"{"volumes":[{"name":"s","sysprep":{"configMap":{"name":"answers"}}}]}"#, [.configMap(ns, "answers")]),
        ("sysprep with a Secret", #"{"volumes":[{"name":"s","sysprep":{"secret":{"name":"answers"}}}]}"#, [.secret(ns, "answers")]),
        ("sysprep with both", #"{"volumes":[{"name":"s","sysprep":{"secret":{"name":"sec"},"configMap":{"name":"cm"}}}]}"#, [.configMap(ns, "cm"), .secret(ns, "sec")]),
        ("ephemeral PVC", #"{"volumes":[{"name":"e","ephemeral":{"persistentVolumeClaim":{"claimName":"golden","readOnly":true}}}]}"#, [.persistentVolumeClaim(ns, "golden")]),
        ("multus NAD by name", #"{"networks":[{"name":"n","multus":{"networkName":"nad1"}}]}"#, [.networkAttachmentDefinition(ns, "nad1")]),
        ("multus NAD in the same namespace", #"{"networks":[{"name":"n","multus":{"networkName":"ns/nad2"}}]}"#, [.networkAttachmentDefinition(ns, "nad2")]),
        ("multus NAD in another namespace", #"{"networks":[{"name":"n","multus":{"networkName":"other/nad3"}}]}"#, []),
        ("pod network only", #"{"networks":[{"name":"default","pod":{}}]}"#, []),
    ]

    @Test("each source appears in every VM/VMI backup and restore graph", arguments: cases)
    func sources(name: String, spec: String, expected: [ResourceIdentifier]) async throws {
        let harness = Harness()
        for (graph, items) in try await Self.allGraphs(spec, harness).enumerated() {
            #expect(items == expected, "\(name), graph \(graph)")
        }
    }

    @Test("another namespace's NAD is skipped with one Info line per graph")
    func crossNamespaceLog() async throws {
        let harness = Harness()
        _ = try await harness.backupGraph.virtualMachineInstance(Self.vmi(#"{"networks":[{"name":"n","multus":{"networkName":"other/nad3"}}]}"#))
        let lines = harness.logs.messages(at: .info).filter { $0.contains("NetworkAttachmentDefinition") }
        #expect(lines == ["NetworkAttachmentDefinition other/nad3 referenced by VirtualMachineInstance ns/vm1 is in another namespace; not included"])
    }

    @Test("order: volumes, then backend PVC, then access credentials, then NADs")
    func order() async throws {
        let spec = #"""
            {"networks":[{"name":"a","multus":{"networkName":"nad-a"}},{"name":"b","multus":{"networkName":"nad-b"}}],
             "accessCredentials":[{"sshPublicKey":{"source":{"secret":{"secretName":"ssh"}}}}],
             "domain":{"devices":{"tpm":{"persistent":true}}},
             "volumes":[{"name":"s","sysprep":{"configMap":{"name":"answers"}}},{"name":"e","ephemeral":{"persistentVolumeClaim":{"claimName":"golden"}}}]}
            """#
        let harness = Harness(FakeClusterReader { $0.claimLists["ns"] = [] })
        let expected: [ResourceIdentifier] = [
            .configMap(Self.ns, "answers"), .persistentVolumeClaim(Self.ns, "golden"),
            .persistentVolumeClaim(Self.ns, "persistent-state-for-vm1"), .secret(Self.ns, "ssh"),
            .networkAttachmentDefinition(Self.ns, "nad-a"), .networkAttachmentDefinition(Self.ns, "nad-b"),
        ]
        for (graph, items) in try await Self.allGraphs(spec, harness).enumerated() {
            #expect(items == expected, "graph \(graph)")
        }
        #expect(expected.last?.group == "k8s.cni.cncf.io" && expected.last?.resource == "network-attachment-definitions")
    }

    @Test("RestorePossible does not check ephemeral PVCs")
    func restorePossibleIgnoresEphemeral() async throws {
        let harness = Harness()
        let problem = try await harness.restorePossibility.firstUnrestorableVolume(
            of: Self.vmi(#"{"volumes":[{"name":"e","ephemeral":{"persistentVolumeClaim":{"claimName":"golden"}}}]}"#),
            volumes: ["spec", "volumes"], filter: filter(excluded: ["persistentvolumeclaims"]))
        #expect(problem == nil)
        #expect(harness.reader.calls.isEmpty)
    }
}
