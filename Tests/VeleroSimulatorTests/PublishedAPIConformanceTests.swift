import Foundation
import LosslessJSON
import SchemaCheck
import Testing
@testable import VeleroSimulator

/// Every VirtualMachine, VirtualMachineInstance, KubeVirt operation object, DataVolume and DataSource the project uses
/// as test or demo data has
/// only keys, and only JSON types, of KubeVirt's and CDI's published API (Tests/Schema, from their
/// `api/openapi-spec/swagger.json`). Inline objects in KubeVirtVeleroPluginTests are checked where they are parsed
/// (`json(_:)` in its TestSupport.swift).
@Suite("Test and demo objects match the published KubeVirt and CDI API")
struct PublishedAPIConformanceTests {
    static let schema = SchemaExtract.repository
    static let root = SchemaFiles.root

    /// `file` and, for a violation, the JSON path and the problem.
    static func report(_ file: String, _ violations: [SchemaExtract.Violation]) -> [String] {
        violations.map { "\(file): \($0)" }
    }

    /// The VM spec KubeVirt copies into the ControllerRevision it writes when a VM starts.
    static func revisionViolations(_ object: JSONValue) -> [SchemaExtract.Violation] {
        guard (try? object.string(at: ["kind"])) == "ControllerRevision",
            let spec = (try? object.value(at: ["data", "spec"])) ?? nil, (try? spec.object(at: ["template"])) != nil
        else { return [] }
        return schema.violations(of: spec, definition: "kubevirt:v1.VirtualMachineSpec")
    }

    /// Unknown keys a fixture carries on purpose, by file: the lossless-editing tests (D1LosslessEditingTests,
    /// FedoraVMScenarioTests, KubeVirtActionsEndToEndTests) check that a vendor extension survives every edit.
    static let deliberatelyUnknown: [String: Set<String>] = [
        "vm-fedora-full.json": [#"$.spec["x-vendor-extension"]"#],
    ]

    @Test("Tests/Fixtures")
    func fixtures() throws {
        let directory = Self.root.appendingPathComponent("Tests/Fixtures")
        var checked = 0
        var problems: [String] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where file.hasSuffix(".json") {
            let object = try JSONValue.parse([UInt8](FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) ?? Data()))
            if let kind = (try? object.string(at: ["kind"])) ?? nil, Self.schema.describes(kind: kind) { checked += 1 }
            let violations = Self.schema.violations(of: object, deliberatelyUnknown: Self.deliberatelyUnknown[file] ?? [])
            problems += Self.report("Tests/Fixtures/\(file)", violations + Self.revisionViolations(object))
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(checked >= 4, "the fixtures hold VMs, VMIs and DataVolumes")
    }

    @Test("examples/")
    func examples() throws {
        let objects = try ManifestLoader().load(paths: [Self.root.appendingPathComponent("examples").path])
        var problems: [String] = []
        var kinds: Set<String> = []
        for manifest in objects {
            let kind = (try? manifest.object.string(at: ["kind"])) ?? nil ?? ""
            if Self.schema.describes(kind: kind) { kinds.insert(kind) }
            problems += Self.report(
                manifest.location.description, Self.schema.violations(of: manifest.object) + Self.revisionViolations(manifest.object))
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(kinds.isSuperset(of: [
            "VirtualMachine", "VirtualMachineInstance", "DataVolume", "VirtualMachineBackup", "VirtualMachineClone", "VirtualMachineExport",
            "VirtualMachinePool", "VirtualMachineRestore", "VirtualMachineSnapshot", "VirtualMachineSnapshotContent",
            "VirtualMachineInstanceReplicaSet", "DataImportCron", "DataSource",
        ]))
    }

    @Test("fuzz seeds (Tests/Fuzz/corpus)")
    func fuzzSeeds() throws {
        let directory = Self.root.appendingPathComponent("Tests/Fuzz/corpus")
        var problems: [String] = []
        var checked = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() {
            // Seeds start with the fuzz target's byte; action seeds add the action's index and the context's kind.
            let skip = file.hasPrefix("json-") ? 1 : file.hasPrefix("action") ? 3 : nil
            guard let skip, let data = FileManager.default.contents(atPath: directory.appendingPathComponent(file).path) else { continue }
            let object = try JSONValue.parse(Array([UInt8](data).dropFirst(skip)))
            if let kind = (try? object.string(at: ["kind"])) ?? nil, Self.schema.describes(kind: kind) { checked += 1 }
            problems += Self.report("Tests/Fuzz/corpus/\(file)", Self.schema.violations(of: object) + Self.revisionViolations(object))
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(checked > 0)
    }

    @Test("the check finds a key the API server would drop, and a wrong type, by path")
    func catchesWhatItIsFor() throws {
        let vm = try JSONValue.parse(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},
             "spec":{"runStrategy":"Always","template":{"spec":{"domain":{"devices":{}},
               "volumes":[{"name":"cloudinit","cloudInitNoCloud":{"userDataSecretRef":{"name":"vm1-cloudinit"}}}],
               "terminationGracePeriodSeconds":"180"}}}}
            """#)
        let found = Self.schema.violations(of: vm).map(\.description)
        #expect(found.contains("$.spec.template.spec.volumes[0].cloudInitNoCloud.userDataSecretRef: unknown key (not in the published API)"))
        #expect(found.contains("$.spec.template.spec.terminationGracePeriodSeconds: expected an integer, found a string"))
        #expect(found.count == 2)

        let fixed = try JSONValue.parse(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns","creationTimestamp":null},
             "spec":{"template":{"spec":{"volumes":[{"name":"cloudinit","cloudInitNoCloud":{"secretRef":{"name":"vm1-cloudinit"}}}],
               "terminationGracePeriodSeconds":180}}}}
            """#)
        #expect(Self.schema.violations(of: fixed).isEmpty)
    }

    @Test("deliberately unknown keys are accepted only where they are marked, and a stale mark is reported")
    func deliberateMarks() throws {
        let vm = try JSONValue.parse(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1"},"spec":{"x-custom":1}}"#)
        #expect(Self.schema.violations(of: vm, deliberatelyUnknown: [#"$.spec["x-custom"]"#]).isEmpty)
        #expect(Self.schema.violations(of: vm).map(\.path) == [#"$.spec["x-custom"]"#])
        #expect(Self.schema.violations(of: vm, deliberatelyUnknown: [#"$.spec["x-custom"]"#, "$.spec.running"]).map(\.path) == ["$.spec.running"])
    }

    @Test("the extract covers the VM kinds, KubeVirt's operation objects and CDI's, and names the upstream commits it came from")
    func provenance() {
        #expect(Set(Self.schema.roots.keys) == [
            "VirtualMachine", "VirtualMachineInstance", "DataVolume", "DataSource", "VirtualMachineBackup", "VirtualMachineClone",
            "VirtualMachineExport", "VirtualMachineInstanceMigration", "VirtualMachineInstanceReplicaSet", "VirtualMachinePool",
            "VirtualMachineRestore", "VirtualMachineSnapshot", "VirtualMachineSnapshotContent", "DataImportCron",
        ])
        #expect(Self.schema.sources.count == 2)
        for source in Self.schema.sources {
            let commit = source.split(separator: "@").last.map(String.init) ?? ""
            #expect(commit.count == 40 && commit.allSatisfy(\.isHexDigit), "\(source)")
        }
    }
}
