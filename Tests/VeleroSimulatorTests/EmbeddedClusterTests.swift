import FakeKubeAPI
import Foundation
import LosslessJSON
import Testing
@testable import VeleroSimulator

/// The simulated cluster's per-resource lookups, which Velero's built-in actions make for every item.
@Suite struct EmbeddedClusterTests {
    static func resource(_ kind: String) -> APIResource { ResourceCatalog.standard.resources.first { $0.kind == kind }! }

    static func object(_ kind: String, _ namespace: String, _ name: String, label: String = "manifest") -> ManifestObject {
        let json: JSONValue = [
            "apiVersion": .string(resource(kind).apiVersion), "kind": .string(kind),
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": ["from": .string(label)]],
        ]
        return ManifestObject(object: json, resource: resource(kind), namespace: namespace, name: name, location: SourceLocation(file: "test", line: nil))
    }

    @Test("objects of a resource, per namespace or in all, sorted; a created object replaces the manifest of its key")
    func objectsOfAResource() async throws {
        let directory = NSTemporaryDirectory() + "embedded-" + UUID().uuidString.prefix(8)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cluster = try await EmbeddedCluster.start(
            objects: [Self.object("Pod", "b", "p2"), Self.object("Pod", "a", "p1"), Self.object("Secret", "a", "s1"), Self.object("Pod", "b", "p1")],
            directory: directory)
        let pods = Self.resource("Pod")
        func names(_ namespace: String?) -> [String] { cluster.objects(of: pods, in: namespace).map { "\($0.namespace)/\($0.name)" } }
        #expect(names(nil) == ["a/p1", "b/p1", "b/p2"])
        #expect(names("b") == ["b/p1", "b/p2"])
        #expect(names("c") == [])
        cluster.add(Self.object("Pod", "b", "p1", label: "created"))
        cluster.add(Self.object("Pod", "c", "p0", label: "created"))
        #expect(names(nil) == ["a/p1", "b/p1", "b/p2", "c/p0"])
        #expect(names("c") == ["c/p0"])
        let replaced = try #require(cluster.objects(of: pods, in: "b").first)
        #expect(replaced.object.labels["from"] == "created")
        #expect(cluster.objects(of: Self.resource("Secret")).map(\.name) == ["s1"])
        await cluster.stop()
    }
}
