import Foundation
import LosslessJSON
import Testing
@testable import VeleroSimulator

@Suite struct ManifestLoaderTests {
    let loader = ManifestLoader()

    func load(_ text: String, file: String = "m.yaml") throws -> [ManifestObject] {
        try loader.load(bytes: Array(text.utf8), file: file)
    }

    func error(_ text: String, file: String = "m.yaml") -> ManifestError? {
        do {
            _ = try loader.load(bytes: Array(text.utf8), file: file)
            return nil
        } catch {
            return error
        }
    }

    @Test func multiDocumentYAMLKeepsOrderNumbersAndStrings() throws {
        let objects = try load(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: a, namespace: ns, resourceVersion: "42", creationTimestamp: 2026-11-01T10:00:00Z}
            data: {z: "1", y: "yes"}
            ---
            ---
            apiVersion: kubevirt.io/v1
            kind: VirtualMachine
            metadata: {name: vm, namespace: ns}
            spec:
              running: true
              big: 123456789012345678901234567890
              ratio: 1.50
              nothing: null
              template: {spec: {domain: {cpu: {cores: 2}}}}
            """)
        #expect(objects.map(\.key.description) == ["ConfigMap ns/a", "VirtualMachine ns/vm"])
        #expect(objects[0].location.line == 1)
        #expect(objects[1].location.line == 7)
        #expect(objects[0].object.description.contains(#""creationTimestamp":"2026-11-01T10:00:00Z""#), "timestamps stay text")
        #expect(objects[0].object.description.contains(#""data":{"z":"1","y":"yes"}"#), "quoted scalars stay strings, key order kept")
        let spec = objects[1].object.description
        #expect(spec.contains(#""running":true"#))
        #expect(spec.contains(#""big":123456789012345678901234567890"#), "integers keep every digit")
        #expect(spec.contains(#""ratio":1.50"#))
        #expect(spec.contains(#""nothing":null"#))
        #expect(spec.contains(#""cores":2"#))
    }

    @Test func kubectlListsAreFlattenedAndNamespacesDefaulted() throws {
        let objects = try load(
            """
            apiVersion: v1
            kind: List
            items:
            - {apiVersion: v1, kind: Secret, metadata: {name: s1}}
            - {apiVersion: v1, kind: PersistentVolumeClaim, metadata: {name: p1, namespace: other}}
            - {apiVersion: v1, kind: Namespace, metadata: {name: ns1}}
            """)
        #expect(objects.map(\.key.description) == ["Secret default/s1", "PersistentVolumeClaim other/p1", "Namespace ns1"])
        #expect(try objects[0].object.string(at: ["metadata", "namespace"]) == "default")
        #expect(objects[2].namespace == "", "cluster-scoped objects get no namespace")
    }

    @Test func jsonFilesAreReadLosslessly() throws {
        let objects = try load(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"n"},"spec":{"x":1.0}}"#, file: "p.json")
        #expect(objects.count == 1)
        #expect(objects[0].object.description.contains(#""x":1.0"#))
    }

    @Test func directoriesAreReadRecursivelyInNameOrder() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/manifests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/sub", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "{apiVersion: v1, kind: Secret, metadata: {name: b, namespace: n}}".write(toFile: directory + "/b.yaml", atomically: true, encoding: .utf8)
        try "{apiVersion: v1, kind: Secret, metadata: {name: a, namespace: n}}".write(toFile: directory + "/a.yml", atomically: true, encoding: .utf8)
        try #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"c","namespace":"n"}}"#.write(
            toFile: directory + "/sub/c.json", atomically: true, encoding: .utf8)
        try "not a manifest".write(toFile: directory + "/notes.txt", atomically: true, encoding: .utf8)
        let objects = try loader.load(paths: [directory])
        #expect(objects.map(\.name) == ["a", "b", "c"])
    }

    @Test func invalidYAMLNamesFileAndLine() throws {
        let failure = try #require(error("apiVersion: v1\nkind: Secret\nmetadata:\n  name: [unclosed\n", file: "bad.yaml"))
        #expect(failure.location.file == "bad.yaml")
        #expect(failure.location.line != nil)
        #expect(failure.description.hasPrefix("bad.yaml:"))
        #expect(failure.description.contains("invalid YAML"))
    }

    @Test func invalidJSONNamesTheLine() throws {
        let failure = try #require(error("{\n\"kind\": \"Pod\",\n\"metadata\": {,}\n}", file: "bad.json"))
        #expect(failure.location.line == 3)
        #expect(failure.description.contains("invalid JSON"))
    }

    /// Velero backs up every resource, so a kind the preview does not know is loaded too: from a
    /// CustomResourceDefinition among the manifests when there is one, else with apimachinery's plural guess.
    @Test func unknownKindsAreLoadedFromTheirCRDOrWithAGuessedPlural() throws {
        let guessed = try load("apiVersion: migrations.kubevirt.io/v1alpha1\nkind: MigrationPolicy\nmetadata: {name: p}\n"
            + "---\napiVersion: example.com/v1\nkind: Gateway\nmetadata: {name: g, namespace: ns}\n"
            + "---\napiVersion: example.com/v1\nkind: Address\nmetadata: {name: a, namespace: ns}\n")
        // apimachinery's rule (pkg/api/meta/restmapper.go, UnsafeGuessKindToResource) is naive: "gatewaies". A real
        // CRD says "gateways", which is why a CRD among the manifests wins over the guess.
        #expect(guessed.map(\.resource.plural) == ["migrationpolicies", "gatewaies", "addresses"])
        #expect(guessed.map(\.resource.namespaced) == [false, true, true])
        #expect(guessed.allSatisfy(\.resource.guessed) && guessed[0].resource.group == "migrations.kubevirt.io")

        let directory = NSTemporaryDirectory() + "crd-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try """
            apiVersion: pool.kubevirt.io/v1alpha1
            kind: VirtualMachinePool
            metadata: {name: web, namespace: apps}
            ---
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: virtualmachinepools.pool.kubevirt.io}
            spec:
              group: pool.kubevirt.io
              names: {kind: VirtualMachinePool, plural: virtualmachinepools, singular: virtualmachinepool, shortNames: [vmpool]}
              scope: Namespaced
              versions: [{name: v1alpha1, served: true, storage: true}]
            """.write(toFile: directory + "/pool.yaml", atomically: true, encoding: .utf8)
        let objects = try loader.load(paths: [directory])
        let pool = try #require(objects.first { $0.name == "web" })
        #expect(pool.resource.plural == "virtualmachinepools" && pool.resource.shortNames == ["vmpool"] && !pool.resource.guessed)
        #expect(objects.first { $0.resource.kind == "CustomResourceDefinition" }?.resource.namespaced == false)
    }

    /// Names become paths under `backup --output`; what the API server would refuse is refused here.
    @Test(arguments: [
        ("apiVersion: v1\nkind: Secret\nmetadata: {name: ../x, namespace: n}\n",
         #"Secret: metadata.name "../x" is not a valid object name: it may not contain '/' or '%'"#),
        ("apiVersion: v1\nkind: Secret\nmetadata: {name: '..', namespace: n}\n",
         #"Secret: metadata.name ".." is not a valid object name: it may not be '.' or '..'"#),
        ("apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: ../etc}\n",
         #"Secret s: namespace "../etc" is not a valid namespace name: it must be lowercase letters, digits and '-', starting and ending with a letter or digit"#),
        ("apiVersion: ../v1\nkind: Widget\nmetadata: {name: w}\n",
         #"Widget w: apiVersion "../v1" has a group that is not a DNS subdomain"#),
        ("apiVersion: example.com/v1\nkind: ../Widget\nmetadata: {name: w}\n",
         #"kind "../Widget" must be letters and digits, starting with a letter"#),
    ])
    func namesThatCannotBeKubernetesNamesAreRefused(manifest: String, reason: String) {
        #expect(error(manifest)?.reason == reason)
    }

    @Test func validNamesOfEveryShapeAreAccepted() {
        #expect(error("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-root-ca.crt, namespace: a-1}\n") == nil)
        #expect(error("apiVersion: example.com/v1\nkind: Widget2\nmetadata: {name: 'system:node:x'}\n") == nil, "a path segment, not a DNS name")
    }

    @Test func missingFieldsAndDuplicatesAreErrors() throws {
        #expect(error("apiVersion: v1\nkind: Secret\nmetadata: {namespace: n}\n")?.reason == "Secret has no metadata.name")
        #expect(error("kind: Secret\nmetadata: {name: s}\n")?.reason == "Secret has no apiVersion")
        #expect(error("- a\n- b\n")?.reason == "a manifest must be an object, found array")
        #expect(error("apiVersion: v1\nkind: Secret\n")?.reason == "Secret has no metadata")

        let directory = FileManager.default.temporaryDirectory.path + "/dup-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: n}\n"
        try secret.write(toFile: directory + "/1.yaml", atomically: true, encoding: .utf8)
        try ("---\n" + secret).write(toFile: directory + "/2.yaml", atomically: true, encoding: .utf8)
        #expect {
            _ = try loader.load(paths: [directory])
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix(directory + "/2.yaml:2: duplicate object Secret n/s") && text.contains("first defined at \(directory)/1.yaml:1")
        }
        #expect(throws: ManifestError.self) { _ = try loader.load(paths: [directory + "/missing"]) }
    }
}

@Suite struct FiltersAndCatalogueTests {
    @Test func resourcesAnswerToEveryNameVeleroAccepts() throws {
        let catalog = ResourceCatalog.standard
        let vm = try #require(catalog.resource(apiVersion: "kubevirt.io/v1", kind: "VirtualMachine"))
        for name in ["virtualmachines", "VirtualMachine", "vm", "VMS", "virtualmachines.kubevirt.io", "*"] {
            #expect(vm.isNamed(by: name), "\(name)")
        }
        #expect(!vm.isNamed(by: "virtualmachines.example.com"))
        #expect(!vm.isNamed(by: "virtualmachineinstances"))
        let pvc = try #require(catalog.resource(group: "", plural: "persistentvolumeclaims"))
        #expect(pvc.isNamed(by: "pvc") && pvc.isNamed(by: "PersistentVolumeClaim") && !pvc.isNamed(by: "pvc.kubevirt.io"))
        #expect(catalog.resource(groupResource: "datavolumes.cdi.kubevirt.io")?.kind == "DataVolume")
    }

    @Test func backupOrderPutsCorePodsThenPVCsFirst() {
        let order = ResourceCatalog.standard.backupOrder.map(\.groupResource)
        #expect(Array(order.prefix(3)) == ["pods", "persistentvolumeclaims", "persistentvolumes"])
        let firstGrouped = order.firstIndex { $0.contains(".") } ?? 0
        #expect(order[..<firstGrouped].allSatisfy { !$0.contains(".") }, "the core group comes before every other group")
        #expect(order.firstIndex(of: "datavolumes.cdi.kubevirt.io")! < order.firstIndex(of: "virtualmachines.kubevirt.io")!)
    }

    @Test func filtersFollowVeleroSemantics() throws {
        let namespaces = NamespaceFilter(included: ["team-*", "demo"], excluded: ["team-secret"])
        #expect(namespaces.includes("demo") && namespaces.includes("team-a") && !namespaces.includes("team-secret") && !namespaces.includes("other"))
        #expect(NamespaceFilter(included: ["*"]).includesAll && NamespaceFilter().includes("anything"))
        let vm = try #require(ResourceCatalog.standard.resource(apiVersion: "kubevirt.io/v1", kind: "VirtualMachine"))
        #expect(ResourceFilter(included: ["vm"]).includes(vm))
        #expect(!ResourceFilter(included: ["*"], excluded: ["virtualmachines.kubevirt.io"]).includes(vm), "excludes win")
        #expect(ResourceFilter(excluded: ["*"]).includes(vm), "* in excludes is ignored")
        #expect(!ResourceFilter(included: ["DataVolume.example.com"]).includes(vm))
    }
}
