import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D14: DataVolumes and VM dataVolumeTemplates follow Velero's change-storage-class ConfigMap, read as Velero reads it
/// (v1.18.1 pkg/plugin/framework/common/plugin_config.go `GetPluginConfig`, pkg/restore/actions/
/// change_storageclass_action.go `isStorageClassExist`).
@Suite("D14 storage classes mapped for DataVolumes")
struct StorageClassMappingTests {
    static let selector = "velero.io/plugin-config,velero.io/change-storage-class=RestoreItemAction"

    static func configMap(_ name: String, namespace: String = "velero", data: String = #"{"standard":"fast","slow":"fast"}"#,
                          labels: String = #"{"velero.io/plugin-config":"","velero.io/change-storage-class":"RestoreItemAction"}"#) -> JSONValue {
        json(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":""# + name + #"","namespace":""# + namespace
             + #"","labels":"# + labels + #"},"data":"# + data + "}")
    }

    static func dataVolume(_ spec: String, name: String = "disk") -> JSONValue {
        json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":""# + name
             + #"","namespace":"demo"},"spec":"# + spec + "}")
    }

    static let vm = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"db","namespace":"demo"},
         "spec":{"runStrategy":"Always",
          "dataVolumeTemplates":[
            {"metadata":{"name":"db-root"},"spec":{"source":{"blank":{}},"storage":{"storageClassName":"standard","resources":{"requests":{"storage":"1Gi"}}}}},
            {"metadata":{"name":"db-data"},"spec":{"source":{"blank":{}},"pvc":{"storageClassName":"slow","accessModes":["ReadWriteOnce"]}}},
            {"metadata":{"name":"db-logs"},"spec":{"source":{"blank":{}},"storage":{"storageClassName":"local"}}},
            {"metadata":{"name":"db-scratch"},"spec":{"source":{"blank":{}},"storage":{}}}],
          "template":{"spec":{"domain":{"devices":{}},
           "volumes":[{"name":"root","dataVolume":{"name":"db-root"}},{"name":"data","dataVolume":{"name":"db-data"}}]}}}}
        """#)

    static let classedDataVolume = dataVolume(#"{"source":{"blank":{}},"storage":{"storageClassName":"standard"}}"#)

    /// The error the DataVolume action answers `classedDataVolume` with.
    static func restoreError(_ harness: Harness) async -> String? {
        await #expect(throws: ActionError.self) {
            try await harness.restoreItem(harness.dvRestore, classedDataVolume, restore: restore())
        }?.message
    }

    static func harness(configMaps: [JSONValue] = [configMap("change-storage-class")], classes: Set<String> = ["fast"]) -> Harness {
        Harness(FakeClusterReader { state in
            for configMap in configMaps {
                let namespace = (try? configMap.string(at: ["metadata", "namespace"])) ?? nil
                let name = (try? configMap.string(at: ["metadata", "name"])) ?? nil
                state.configMaps["\(namespace ?? "")/\(name ?? "")"] = configMap
            }
            state.storageClasses = classes
        })
    }

    @Test("a DataVolume's storage class, under spec.storage or spec.pvc, follows the ConfigMap in the Restore's namespace", arguments: [
        ("storage", "standard"), ("pvc", "slow"),
    ])
    func dataVolumeMapped(field: String, old: String) async throws {
        let harness = Self.harness()
        let item = Self.dataVolume(#"{"source":{"blank":{}},""# + field + #"":{"storageClassName":""# + old + #"","resources":{"requests":{"storage":"1Gi"}}}}"#)
        let result = try await harness.restoreItem(harness.dvRestore, item, restore: restore())
        let path: JSONPath = ["spec", .key(field), "storageClassName"]
        #expect(result.item == item.with(path, "fast"))
        #expect(harness.reader.calls == [
            "LIST configmaps velero \(Self.selector)", "GET configmaps velero/change-storage-class",
            "GET storageclasses.storage.k8s.io /fast",
        ])
        #expect(harness.logs.messages(at: .info).contains(
            "DataVolume demo/disk: spec.\(field).storageClassName: \(old) → fast (ConfigMap velero/change-storage-class)"))
    }

    @Test("a VM's dataVolumeTemplates follow the mapping; an unmapped class and a template without one are kept")
    func templatesMapped() async throws {
        let harness = Self.harness()
        let result = try await harness.restoreItem(harness.vmRestore, Self.vm, restore: restore())
        let expected = Self.vm
            .with(["spec", "dataVolumeTemplates", 0, "spec", "storage", "storageClassName"], "fast")
            .with(["spec", "dataVolumeTemplates", 1, "spec", "pvc", "storageClassName"], "fast")
        #expect(result.item == expected)
        // Read once for the restore: one LIST, one GET of the ConfigMap, one check of the class both map onto.
        #expect(harness.reader.count("LIST configmaps") == 1)
        #expect(harness.reader.count("GET configmaps") == 1)
        #expect(harness.reader.count("GET storageclasses") == 1)
    }

    @Test("the ConfigMap is read once per restore, whatever the number of items")
    func readOnce() async throws {
        let harness = Self.harness()
        for name in ["a", "b", "c"] {
            let item = Self.dataVolume(#"{"source":{"blank":{}},"storage":{"storageClassName":"standard"}}"#, name: name)
            let result = try await harness.restoreItem(harness.dvRestore, item, restore: restore())
            #expect(try result.item.string(at: ["spec", "storage", "storageClassName"]) == "fast")
        }
        _ = try await harness.restoreItem(harness.vmRestore, Self.vm, restore: restore())
        #expect(harness.reader.count("LIST configmaps") == 1)
        #expect(harness.reader.count("GET configmaps") == 1)
        #expect(harness.reader.count("GET storageclasses") == 1)
    }

    @Test("no ConfigMap, a ConfigMap without data, or a class the map does not name: no change and no error")
    func noChange() async throws {
        let item = Self.classedDataVolume
        for configMaps in [[], [Self.configMap("empty", data: "{}")], [Self.configMap("other", data: #"{"gold":"fast"}"#)],
                           [Self.configMap("elsewhere", namespace: "openshift-adp")],
                           [Self.configMap("unlabelled", labels: #"{"velero.io/plugin-config":""}"#)]] {
            let harness = Self.harness(configMaps: configMaps)
            let result = try await harness.restoreItem(harness.dvRestore, item, restore: restore())
            #expect(result.output.updatedItem == nil)
            #expect(harness.reader.count("GET storageclasses") == 0)
        }
    }

    @Test("an item that names no storage class makes no request")
    func noClassNoRequest() async throws {
        let harness = Self.harness()
        let item = Self.dataVolume(#"{"source":{"blank":{}},"storage":{"resources":{"requests":{"storage":"1Gi"}}}}"#)
        let result = try await harness.restoreItem(harness.dvRestore, item, restore: restore())
        #expect(result.output.updatedItem == nil)
        #expect(harness.reader.calls.isEmpty)
    }

    @Test("two matching ConfigMaps are Velero's error naming both")
    func twoConfigMaps() async throws {
        let harness = Self.harness(configMaps: [Self.configMap("map-a"), Self.configMap("map-b")])
        #expect(await Self.restoreError(harness) == "found more than one ConfigMap matching label selector \"\(Self.selector)\": [map-a map-b]")
    }

    @Test("an unreadable ConfigMap is an error naming it; the failure is not kept, so the next item reads again")
    func unreadable() async throws {
        let harness = Self.harness()
        harness.reader.configure { $0.configMapListError = SimulatedAPIError(description: "configmaps is forbidden") }
        #expect(await Self.restoreError(harness) == "cannot read Velero's change-storage-class ConfigMap in namespace velero: configmaps is forbidden")
        harness.reader.configure { $0.configMapListError = nil }
        let result = try await harness.restoreItem(harness.dvRestore, Self.classedDataVolume, restore: restore())
        #expect(try result.item.string(at: ["spec", "storage", "storageClassName"]) == "fast")
    }

    @Test("a data value that is not a string is an error naming the ConfigMap and the key")
    func badData() async throws {
        let harness = Self.harness(configMaps: [Self.configMap("change-storage-class", data: #"{"standard":["fast"]}"#)])
        #expect(await Self.restoreError(harness) == "ConfigMap velero/change-storage-class has an unexpected value: data.standard is an array, expected a string")
    }

    @Test("a class the map names that does not exist is Velero's error, after the item and the ConfigMap")
    func missingClass() async throws {
        let harness = Self.harness(classes: [])
        #expect(await Self.restoreError(harness) == "DataVolume demo/disk: spec.storage.storageClassName: ConfigMap velero/change-storage-class maps storage class standard onto fast: "
            + "error getting storage class fast from API: storageclasses.storage.k8s.io \"fast\" not found")
    }

    @Test("a namespace mapping and a storage-class mapping apply together")
    func withNamespaceMapping() async throws {
        let harness = Self.harness()
        let item = Self.dataVolume(#"{"source":{"pvc":{"name":"golden","namespace":"demo"}},"storage":{"storageClassName":"standard"}}"#)
        let result = try await harness.restoreItem(harness.dvRestore, item, restore: restore(namespaceMapping: ["demo": "demo-restored"]))
        #expect(result.item == item.with(["spec", "source", "pvc", "namespace"], "demo-restored")
            .with(["spec", "storage", "storageClassName"], "fast"))
    }
}
