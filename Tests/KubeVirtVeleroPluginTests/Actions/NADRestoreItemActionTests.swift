import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D11 for NetworkAttachmentDefinitions: OVN-Kubernetes names the NAD inside its CNI config.
@Suite("D11 NetworkAttachmentDefinition restore action")
struct NADRestoreItemActionTests {
    static func nad(config: String) -> JSONValue {
        var item = json(#"{"apiVersion":"k8s.cni.cncf.io/v1","kind":"NetworkAttachmentDefinition","metadata":{"name":"l2","namespace":"demo"},"spec":{}}"#)
        try? item.setValue(.string(config), at: ["spec", "config"])
        return item
    }

    func run(_ config: String, mapping: [String: String] = NamespaceMappingRestoreTests.mapping) async throws -> (config: String?, output: RestoreItemActionOutput, logs: [String]) {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.nadRestore, Self.nad(config: config), restore: restore(namespaceMapping: mapping))
        return (try result.item.string(at: ["spec", "config"]), result.output, harness.logs.messages(at: .info))
    }

    @Test("OVN-Kubernetes netAttachDefName follows the mapping; every other byte of the config is kept")
    func rewritten() async throws {
        let config = "{\n  \"cniVersion\": \"0.3.1\",\n  \"name\" : \"l2\",\t\"type\":\"ovn-k8s-cni-overlay\",\n  \"topology\":\"layer2\", \"subnets\": \"10.100.0.0/16\",\n  \"netAttachDefName\":  \"demo/l2\" ,\n  \"mtu\": 1300e0, \"nested\": {\"netAttachDefName\": \"demo/inner\"}\n}\n"
        let result = try await run(config)
        #expect(result.config == config.replacingOccurrences(of: "\"demo/l2\"", with: "\"demo-restored/l2\""))
        #expect(result.logs.contains("NetworkAttachmentDefinition demo/l2: spec.config netAttachDefName demo/l2 → demo-restored/l2 (namespace mapping)"))
    }

    @Test("a repeated key is rewritten at each place (Go's decoder reads the last)")
    func repeated() async throws {
        let result = try await run(#"{"netAttachDefName":"demo/a","type":"ovn-k8s-cni-overlay","netAttachDefName":"demo/l2"}"#)
        #expect(result.config == #"{"netAttachDefName":"demo-restored/a","type":"ovn-k8s-cni-overlay","netAttachDefName":"demo-restored/l2"}"#)
    }

    @Test("nothing to rewrite: unmapped or bare names, no such key, no mapping, no config", arguments: [
        (#"{"netAttachDefName":"other/l2"}"#, true), (#"{"netAttachDefName":"l2"}"#, true),
        (#"{"type":"bridge","bridge":"br1","netAttachDefName_":"demo/l2"}"#, true), (#"{"netAttachDefName":7}"#, true),
        (#"{"netAttachDefName":"demo/l2"}"#, false),
    ])
    func unchanged(config: String, mapped: Bool) async throws {
        let result = try await run(config, mapping: mapped ? NamespaceMappingRestoreTests.mapping : [:])
        #expect(result.output.updatedItem == nil)
        #expect(result.config == config)
    }

    @Test("a config that is not JSON is restored unchanged, with an Info line saying so")
    func notJSON() async throws {
        let result = try await run(#"{"netAttachDefName":"demo/l2""#)
        #expect(result.output.updatedItem == nil && !result.output.skipRestore)
        #expect(result.logs.contains { $0.hasPrefix("NetworkAttachmentDefinition demo/l2: spec.config is not JSON (") })
    }
}
