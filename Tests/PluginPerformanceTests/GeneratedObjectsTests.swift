import Foundation
import SchemaCheck
import Testing
@testable import PluginPerformance

/// The scale runs back up VMs the suite generates: they must look as KubeVirt's published API says.
@Suite struct GeneratedObjectsTests {
    @Test("the VMs and VMIs the performance suite generates")
    func generatedScaleObjects() {
        let schema = SchemaExtract.repository
        let generated = PerformanceSuite.runningVM(name: "vm-7", namespace: "scale-0", index: 7)
        #expect(schema.violations(of: generated.vm).map(\.description) == [])
        #expect(schema.violations(of: generated.vmi).map(\.description) == [])
    }
}

/// The scale run itself, small: the generated cluster must be one a Velero backup walks without errors (a PVC bound
/// to no PersistentVolume fails Velero's CSI action, which is how the 10,000-VM figure once counted 10,000 errors).
@Suite struct ScaleRunTests {
    @Test("a scale backup of 6 VMs in 2 namespaces has no errors and snapshots every PVC through the CSI flow")
    func smallScaleRun() async throws {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let plugin = (executable as NSString).deletingLastPathComponent + "/kubevirt-velero-plugin"
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let work = base + "/scale-run-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        var settings = PerformanceSuite.Settings(plugin: plugin, floorPlugin: nil, manifests: [], workDirectory: work)
        settings.scaleVMs = 6
        settings.scaleNamespaces = 2
        let suite = PerformanceSuite(settings)
        let figure = try await suite.scaleRun(suite.scaleObjects())
        #expect(figure.errors == 0)
        // Per VM: VM, VMI, launcher pod, PVC, its PV, the CSI VolumeSnapshot and VolumeSnapshotContent; plus the 2
        // namespaces, the StorageClass and the VolumeSnapshotClass (cluster-scoped: a backup of all namespaces has them).
        #expect(figure.items == 2 + 2 + 6 * 7)
        #expect(figure.podListsPerNamespace.values.allSatisfy { $0 <= 2 })
    }
}
