import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D11 for standalone DataVolumes.
@Suite("D11 DataVolume restore action")
struct DVRestoreItemActionTests {
    static func dataVolume(_ spec: String) -> JSONValue {
        json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"disk","namespace":"demo"},"spec":"# + spec + "}")
    }

    @Test("clone sources in mapped namespaces follow the mapping", arguments: [
        (#"{"source":{"pvc":{"name":"golden","namespace":"demo"}},"storage":{}}"#, ["spec", "source", "pvc", "namespace"], "demo-restored"),
        (#"{"source":{"snapshot":{"name":"s","namespace":"tenant-a"}},"storage":{}}"#, ["spec", "source", "snapshot", "namespace"], "tenant-b"),
        (#"{"sourceRef":{"kind":"DataSource","name":"fedora","namespace":"demo"},"storage":{}}"#, ["spec", "sourceRef", "namespace"], "demo-restored"),
    ])
    func mapped(spec: String, keys: [String], expected: String) async throws {
        let path = JSONPath(keys.map { .key($0) })
        let harness = Harness()
        let item = Self.dataVolume(spec)
        let result = try await harness.restoreItem(harness.dvRestore, item, restore: restore(namespaceMapping: NamespaceMappingRestoreTests.mapping))
        #expect(try result.item.string(at: path) == expected)
        #expect(result.item == item.with(path, .string(expected)))
        #expect(harness.logs.messages(at: .info).contains { $0.contains("DataVolume demo/disk: \(path):") })
    }

    @Test("a source in an unmapped namespace, a source without namespace, or no mapping: the item is unchanged", arguments: [
        (#"{"sourceRef":{"kind":"DataSource","name":"fedora","namespace":"os-images"},"storage":{}}"#, true),
        (#"{"source":{"pvc":{"name":"golden"}},"storage":{}}"#, true),
        (#"{"source":{"pvc":{"name":"golden","namespace":"demo"}},"storage":{}}"#, false),
    ])
    func unchanged(spec: String, mapped: Bool) async throws {
        let harness = Harness()
        let settings = mapped ? restore(namespaceMapping: NamespaceMappingRestoreTests.mapping) : restore()
        let result = try await harness.restoreItem(harness.dvRestore, Self.dataVolume(spec), restore: settings)
        #expect(result.output.updatedItem == nil)
        #expect(!result.output.skipRestore && result.output.additionalItems.isEmpty)
    }

    @Test("a namespace that is not a string is an error naming the DataVolume and the path")
    func wrongType() async throws {
        let harness = Harness()
        let item = json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"disk","namespace":"demo"},"spec":{"source":{"pvc":{"name":"g","namespace":["demo"]}}}}"#, malformed: "namespace is an array")
        let error = await #expect(throws: ActionError.self) {
            try await harness.restoreItem(harness.dvRestore, item, restore: restore(namespaceMapping: NamespaceMappingRestoreTests.mapping))
        }
        #expect(error?.message == "DataVolume demo/disk has an unexpected value: spec.source.pvc.namespace is an array, expected a string")
    }
}
