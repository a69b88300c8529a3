import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's unit tests TestPodRestoreExecute and TestPodRestoreApplyTo.
@Suite("§12.2 Pod restore action")
struct PodRestoreCatalogueTests {
    @Test("TestPodRestoreExecute: Always skip the pod")
    func alwaysSkip() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.podRestore, json("{}"))
        #expect(result.output.skipRestore)
        #expect(result.output.updatedItem == nil)
    }

    @Test(
        "TestPodRestoreApplyTo",
        arguments: [
            ("Match launcher pod", ["kubevirt.io": "virt-launcher"], true),
            ("Match hotplug pod", ["kubevirt.io": "hotplug-disk"], true),
            ("Don't match non-launcher pods", [:], false),
        ] as [(String, [String: String], Bool)])
    func appliesTo(name: String, labels: [String: String], matches: Bool) throws {
        let selector = try Harness().podRestore.appliesTo()
        #expect(selector.includedResources == ["Pod"])
        #expect(selector.selector == "kubevirt.io in (virt-launcher, hotplug-disk)")
        #expect(selectorMatches(selector.selector, labels: labels) == matches, "\(name)")
    }
}
