import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The Go plugin's utility unit tests TestIsResourceIncluded, TestIsResourceExcluded, TestRestorePossible and
/// TestIsMacAddressCleared. Filters follow D3 (docs/decisions.md), under which every reference case keeps its result.
@Suite("§12.11 Utilities")
struct UtilityCatalogueTests {
    struct FilterCase: CustomTestStringConvertible, Sendable {
        var name: String
        var resource: String
        var list: [String]
        var included: Bool
        var excluded: Bool
        var testDescription: String { name }
    }

    static let filterCases: [FilterCase] = [
        FilterCase(name: "Empty include resources should succeed", resource: "pods", list: [], included: true, excluded: false),
        FilterCase(
            name: "Resource in incuded resources should succeed", resource: "pods",
            list: ["pods", "virtualmachines", "persistentvolumes"], included: true, excluded: true),
        FilterCase(
            name: "Resource not in included resources should fail", resource: "pods",
            list: ["virtualmachines", "persistentvolumes"], included: false, excluded: false),
        FilterCase(
            name: "Capitalization should not matter (resource)", resource: "DataVolumes", list: ["datavolumes"],
            included: true, excluded: true),
        FilterCase(
            name: "Capitalization should not matter (backup)", resource: "datavolumes", list: ["DataVolumes"],
            included: true, excluded: true),
        FilterCase(
            name: "Singular/plural should not matter (resource)", resource: "pod", list: ["pods"], included: true,
            excluded: true),
        FilterCase(
            name: "Singular/plural should not matter (backup)", resource: "pods", list: ["pod"], included: true,
            excluded: true),
        FilterCase(
            name: "Full resource name should succeed", resource: "virtualmachines",
            list: ["virtualmachines.kubevirt.io"], included: true, excluded: true),
        FilterCase(
            name: "Singular/plural full resource name should succeed", resource: "virtualmachines",
            list: ["virtualmachine.kubevirt.io"], included: true, excluded: true),
    ]

    @Test("TestIsResourceIncluded", arguments: filterCases)
    func isResourceIncluded(_ testCase: FilterCase) {
        #expect(filter(included: testCase.list).isIncluded(testCase.resource) == testCase.included)
    }

    @Test("TestIsResourceExcluded", arguments: filterCases)
    func isResourceExcluded(_ testCase: FilterCase) {
        #expect(filter(excluded: testCase.list).isExcluded(testCase.resource) == testCase.excluded)
    }

    struct RestoreCase: CustomTestStringConvertible, Sendable {
        var name: String
        var volumes: JSONValue
        var included: [String] = []
        var excluded: [String] = []
        var skip = false
        var dataVolumeMissing = false
        var dataVolumeExcluded = false
        var claimExcluded = false
        var possible: Bool
        var testDescription: String { name }
    }

    static let dvVolumes: JSONValue = [["dataVolume": [:]]]
    static let pvcVolumes: JSONValue = [["persistentVolumeClaim": [:]]]

    static let restoreCases: [RestoreCase] = [
        // Misleading reference name (Q21): the volumes are DV volumes.
        RestoreCase(name: "Returns true if volumes have no volumes", volumes: dvVolumes, possible: true),
        RestoreCase(name: "Returns true if DV volumes and DVs are included", volumes: dvVolumes, included: ["datavolumes"], possible: true),
        RestoreCase(
            name: "Returns true if DVs are excluded but skipped", volumes: dvVolumes, excluded: ["datavolumes"], skip: true,
            possible: true),
        RestoreCase(
            name: "Returns true if DV not found and PVCs included", volumes: dvVolumes,
            included: ["persistentvolumeclaims"], dataVolumeMissing: true, possible: true),
        RestoreCase(
            name: "Returns false if DV not found and PVCs excluded", volumes: dvVolumes,
            excluded: ["persistentvolumeclaims"], dataVolumeMissing: true, possible: false),
        RestoreCase(
            name: "Returns false if DV not found and PVCs not included", volumes: dvVolumes, included: ["pods"],
            dataVolumeMissing: true, possible: false),
        RestoreCase(
            name: "Returns false if DV not found and PVC excluded by label", volumes: dvVolumes,
            included: ["pods", "persistentvolumeclaims"], dataVolumeMissing: true, claimExcluded: true, possible: false),
        RestoreCase(
            name: "Returns false if DVs not included", volumes: dvVolumes, included: ["pods", "persistentvolumeclaims"],
            possible: false),
        RestoreCase(name: "Returns false if DVs excluded", volumes: dvVolumes, excluded: ["datavolumes"], possible: false),
        RestoreCase(name: "Returns false if DV excluded by label", volumes: dvVolumes, dataVolumeExcluded: true, possible: false),
        RestoreCase(
            name: "Returns true if PVC volumes and PVCs included", volumes: pvcVolumes,
            included: ["persistentvolumeclaims"], possible: true),
        RestoreCase(name: "Returns false if PVCs not included", volumes: pvcVolumes, included: ["pods"], possible: false),
        RestoreCase(
            name: "Returns false if PVCs excluded", volumes: pvcVolumes, excluded: ["persistentvolumeclaims"],
            possible: false),
        RestoreCase(name: "Returns false if PVC excluded by label", volumes: pvcVolumes, claimExcluded: true, possible: false),
    ]

    @Test("TestRestorePossible", arguments: restoreCases)
    func restorePossible(_ testCase: RestoreCase) async throws {
        let harness = Harness(FakeClusterReader { state in
            var dataVolume = json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":""}}"#)
            if testCase.dataVolumeExcluded {
                dataVolume = dataVolume.with(["metadata", "labels", "velero.io/exclude-from-backup"], "true")
            }
            if !testCase.dataVolumeMissing { state.anyDataVolume = dataVolume }
            var claim = json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":""}}"#)
            if testCase.claimExcluded {
                claim = claim.with(["metadata", "labels", "velero.io/exclude-from-backup"], "true")
            }
            state.anyClaim = claim
        })
        let object = KubernetesObject(
            fetched: json(#"{"metadata":{"name":"test"}}"#).with(["spec", "volumes"], testCase.volumes),
            kind: "VirtualMachineInstance")
        // Every case asserts no error.
        let problem = try await harness.restorePossibility.firstUnrestorableVolume(
            of: object, volumes: ["spec", "volumes"],
            filter: filter(included: testCase.included, excluded: testCase.excluded),
            skip: { _ in testCase.skip })
        #expect((problem == nil) == testCase.possible, "\(testCase.name): \(String(describing: problem))")
    }

    @Test("TestIsMacAddressCleared: Clear MAC address should return false with no label")
    func macNotCleared() throws {
        #expect(try RestoreSettings(restore: restore(labels: [:]), actionTypeName: "test").labels.clearMACAddresses == false)
    }

    @Test("TestIsMacAddressCleared: Clear MAC address should return true with ClearMacAddressLabel label")
    func macCleared() throws {
        let labels = try RestoreSettings(
            restore: restore(labels: ["velero.kubevirt.io/clear-mac-address": ""]), actionTypeName: "test")
        #expect(labels.labels.clearMACAddresses)
    }
}
