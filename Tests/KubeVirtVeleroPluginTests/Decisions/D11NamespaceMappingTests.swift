import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D11: references that spell a namespace follow the Restore's `spec.namespaceMapping` (the restore actions see the
/// item in its backed-up namespace; Velero moves it afterwards).
@Suite("D11 namespace-mapped restore")
struct NamespaceMappingRestoreTests {
    static let mapping = ["demo": "demo-restored", "tenant-a": "tenant-b"]

    static let vm = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"db","namespace":"demo"},
         "spec":{"runStrategy":"Always",
          "dataVolumeTemplates":[
            {"metadata":{"name":"db-clone"},"spec":{"source":{"pvc":{"name":"golden","namespace":"demo"}},"storage":{}}},
            {"metadata":{"name":"db-image"},"spec":{"sourceRef":{"kind":"DataSource","name":"fedora","namespace":"os-images"},"storage":{}}},
            {"metadata":{"name":"db-snap"},"spec":{"source":{"snapshot":{"name":"snap","namespace":"tenant-a"}},"storage":{}}}],
          "template":{"spec":{"domain":{"devices":{"interfaces":[{"name":"default","masquerade":{}},{"name":"a","bridge":{}},{"name":"b","bridge":{}},{"name":"c","bridge":{}}]}},
           "networks":[{"name":"default","pod":{}},
                       {"name":"a","multus":{"networkName":"demo/storage-net"}},
                       {"name":"b","multus":{"networkName":"local-net"}},
                       {"name":"c","multus":{"networkName":"shared/lab-net"}}],
           "volumes":[{"name":"root","dataVolume":{"name":"db-clone"}}]}}}}
        """#)

    @Test("the Restore's namespaceMapping is read; a value that is not a string is an error naming the Restore")
    func parsing() throws {
        let settings = try RestoreSettings(restore: restore(namespaceMapping: Self.mapping), actionTypeName: "test")
        #expect(settings.namespaceMapping == NamespaceMapping(Self.mapping))
        #expect(try RestoreSettings(restore: restore(), actionTypeName: "test").namespaceMapping.isEmpty)
        let broken = bytes(#"{"apiVersion":"velero.io/v1","kind":"Restore","metadata":{"name":"r","namespace":"velero"},"spec":{"namespaceMapping":{"demo":7}}}"#)
        #expect(
            "\(#expect(throws: ActionError.self) { try RestoreSettings(restore: broken, actionTypeName: "test") }!)"
                == "Restore velero/r has an unexpected value: spec.namespaceMapping.demo is a number, expected a string")
    }

    @Test("qualified names follow a mapped namespace only; a mapping onto itself changes nothing")
    func qualifiedNames() {
        let mapping = NamespaceMapping(["demo": "demo-restored", "same": "same"])
        #expect(mapping.mappedQualifiedName("demo/net") == "demo-restored/net")
        #expect(mapping.mappedQualifiedName("net") == nil)
        #expect(mapping.mappedQualifiedName("other/net") == nil)
        #expect(mapping.mappedQualifiedName("same/net") == nil)
        #expect(mapping.mappedQualifiedName("demo2/net") == nil)
    }

    @Test("VM: multus networks and dataVolumeTemplate sources in mapped namespaces follow; bare and unmapped ones stay")
    func virtualMachine() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.vmRestore, Self.vm, restore: restore(namespaceMapping: Self.mapping))
        let networks = ["spec", "template", "spec", "networks"] as JSONPath
        #expect(try result.item.string(at: networks.appending(1, "multus", "networkName")) == "demo-restored/storage-net")
        #expect(try result.item.string(at: networks.appending(2, "multus", "networkName")) == "local-net")
        #expect(try result.item.string(at: networks.appending(3, "multus", "networkName")) == "shared/lab-net")
        let templates = ["spec", "dataVolumeTemplates"] as JSONPath
        #expect(try result.item.string(at: templates.appending(0, "spec", "source", "pvc", "namespace")) == "demo-restored")
        #expect(try result.item.string(at: templates.appending(1, "spec", "sourceRef", "namespace")) == "os-images")
        #expect(try result.item.string(at: templates.appending(2, "spec", "source", "snapshot", "namespace")) == "tenant-b")
        // Nothing else moved: the edited item is the original with exactly those three strings replaced.
        var expected = Self.vm
        try expected.setValue("demo-restored/storage-net", at: networks.appending(1, "multus", "networkName"))
        try expected.setValue("demo-restored", at: templates.appending(0, "spec", "source", "pvc", "namespace"))
        try expected.setValue("tenant-b", at: templates.appending(2, "spec", "source", "snapshot", "namespace"))
        #expect(result.item == expected)
        // The graph still names what to restore by the backed-up namespaces, where Velero finds them in the backup.
        #expect(result.output.additionalItems.contains(.networkAttachmentDefinition("demo", "storage-net")))
    }

    @Test("VM without a mapping: no edit")
    func virtualMachineUnmapped() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.vmRestore, Self.vm)
        #expect(result.output.updatedItem == nil)
    }

    @Test("standalone VMI: multus networks follow the mapping")
    func virtualMachineInstance() async throws {
        let vmi = json(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vmi","namespace":"demo"},
             "spec":{"domain":{"devices":{"interfaces":[{"name":"a","bridge":{}}]}},
              "networks":[{"name":"a","multus":{"default":true,"networkName":"demo/ovn-net"}}]}}
            """#)
        let harness = Harness()
        let result = try await harness.restoreItem(harness.vmiRestore, vmi, restore: restore(namespaceMapping: Self.mapping))
        #expect(try result.item.string(at: ["spec", "networks", 0, "multus", "networkName"]) == "demo-restored/ovn-net")
        #expect(try result.item.bool(at: ["spec", "networks", 0, "multus", "default"]) == true)
        #expect(result.output.additionalItems.contains(.networkAttachmentDefinition("demo", "ovn-net")))
    }

    @Test("a networkName that is not a string is an error naming the VM and the path")
    func wrongType() async throws {
        let vm = Self.vm.with(["spec", "template", "spec", "networks", 1, "multus", "networkName"], 3)
        let harness = Harness()
        await #expect(throws: ActionError.self) {
            try await harness.restoreItem(harness.vmRestore, vm, restore: restore(namespaceMapping: Self.mapping))
        }
        do {
            _ = try await harness.restoreItem(harness.vmRestore, vm, restore: restore(namespaceMapping: Self.mapping))
        } catch {
            #expect("\(error)".contains("VirtualMachine demo/db"))
            #expect("\(error)".contains("spec.template.spec.networks[1].multus.networkName"))
        }
    }
}
