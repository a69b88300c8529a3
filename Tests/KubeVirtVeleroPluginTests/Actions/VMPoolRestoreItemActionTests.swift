import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// `restore-virtualmachinepool-action`: a pool's VM template gets D11's and D14's rewrites, as a VM does.
@Suite("VirtualMachinePool restore action")
struct VMPoolRestoreItemActionTests {
    static let poolWithTemplate = json(#"""
        {"apiVersion":"pool.kubevirt.io/v1beta1","kind":"VirtualMachinePool","metadata":{"name":"web-pool","namespace":"ops"},
         "spec":{"replicas":2,"selector":{"matchLabels":{"kubevirt.io/vmpool":"web-pool"}},
          "virtualMachineTemplate":{"metadata":{"labels":{"kubevirt.io/vmpool":"web-pool"}},"spec":{
           "dataVolumeTemplates":[{"metadata":{"name":"web-root"},"spec":{"sourceRef":{"kind":"DataSource","name":"fedora","namespace":"ops"},
            "storage":{"storageClassName":"standard"}}}],
           "template":{"spec":{"domain":{"devices":{}},"networks":[{"name":"app","multus":{"networkName":"ops/app-net"}}],
            "volumes":[{"name":"root","dataVolume":{"name":"web-root"}}]}}}}}}
        """#)

    @Test("the pool's VM template follows the namespace mapping (D11) and the storage-class ConfigMap (D14), as a VM does")
    func poolTemplate() async throws {
        let harness = Harness(FakeClusterReader { state in
            state.configMaps["velero/change-storage-class"] = json(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"change-storage-class","namespace":"velero","labels":{"velero.io/plugin-config":"","velero.io/change-storage-class":"RestoreItemAction"}},"data":{"standard":"fast"}}"#)
            state.storageClasses = ["fast"]
        })
        let result = try await harness.restoreItem(harness.poolRestore, Self.poolWithTemplate, restore: KubeVirtVeleroPluginTests.restore(namespaceMapping: ["ops": "ops-copy"]))
        let template: JSONPath = ["spec", "virtualMachineTemplate", "spec"]
        #expect(result.item == Self.poolWithTemplate
            .with(template.appending("template", "spec", "networks", 0, "multus", "networkName"), "ops-copy/app-net")
            .with(template.appending("dataVolumeTemplates", 0, "spec", "sourceRef", "namespace"), "ops-copy")
            .with(template.appending("dataVolumeTemplates", 0, "spec", "storage", "storageClassName"), "fast"))
        let untouched = try await Harness().restoreItem(Harness().poolRestore, Self.poolWithTemplate.without(template.appending("dataVolumeTemplates", 0, "spec", "storage", "storageClassName")))
        #expect(untouched.output.updatedItem == nil)
    }
}
