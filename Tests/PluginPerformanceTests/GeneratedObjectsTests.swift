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
