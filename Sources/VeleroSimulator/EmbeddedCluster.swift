import FakeKubeAPI
import Foundation
import LosslessJSON
import Synchronization

/// Manifests served as a Kubernetes API on 127.0.0.1 over plain HTTP (GET, LIST with label selectors and
/// pagination, 404 Status), with a generated kubeconfig, so the plugin reads them through its real client.
public final class EmbeddedCluster: Sendable {
    public let objects: [ManifestObject]
    public let server: FakeKubeAPIServer
    public let kubeconfigPath: String
    private let index: [ObjectKey: Int]
    /// Objects created while the preview runs (Velero's VolumeSnapshots and DataUploads, restored items).
    private let created = Mutex<[ObjectKey: ManifestObject]>([:])

    private init(objects: [ManifestObject], server: FakeKubeAPIServer, kubeconfigPath: String) {
        self.objects = objects
        self.server = server
        self.kubeconfigPath = kubeconfigPath
        var index: [ObjectKey: Int] = [:]
        for (position, object) in objects.enumerated() { index[object.key] = position }
        self.index = index
    }

    /// Starts serving `objects`; the kubeconfig is written into `directory`.
    public static func start(objects: [ManifestObject], directory: String) async throws -> EmbeddedCluster {
        let server = FakeKubeAPIServer()
        for object in objects {
            server.store.add(
                object.object, kind: ObjectStore.Kind(groupVersion: object.resource.apiVersion, resource: object.resource.plural),
                namespace: object.namespace, name: object.name)
            // Objects written with another served version are found under the version the plugin asks for too.
            if let apiVersion = object.object.objectValue?["apiVersion"]?.stringValue, apiVersion != object.resource.apiVersion {
                server.store.add(
                    object.object, kind: ObjectStore.Kind(groupVersion: apiVersion, resource: object.resource.plural),
                    namespace: object.namespace, name: object.name)
            }
        }
        let port = try await server.start()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/kubeconfig-\(port)"
        try FakeKubeAPIServer.plainHTTPKubeconfig(port: port).write(toFile: path, atomically: true, encoding: .utf8)
        return EmbeddedCluster(objects: objects, server: server, kubeconfigPath: path)
    }

    public func object(_ key: ObjectKey) -> ManifestObject? {
        if let found = created.withLock({ $0[key] }) { return found }
        return index[key].map { objects[$0] }
    }

    /// The manifests, then what was created since, in creation order of keys.
    public var allObjects: [ManifestObject] {
        let extra = created.withLock { $0.values.sorted { $0.key < $1.key } }
        return objects.filter { created.withLock { [key = $0.key] in $0[key] } == nil } + extra
    }

    /// Creates (or replaces) an object, as a controller or Velero would, and serves it from the API too.
    public func add(_ object: ManifestObject) {
        created.withLock { $0[object.key] = object }
        server.store.add(
            object.object, kind: ObjectStore.Kind(groupVersion: object.resource.apiVersion, resource: object.resource.plural),
            namespace: object.namespace, name: object.name)
    }

    /// The environment that points the plugin at this cluster.
    public var environment: [String: String] { ["KUBECONFIG": kubeconfigPath] }

    public func stop() async {
        await server.shutdown()
        try? FileManager.default.removeItem(atPath: kubeconfigPath)
    }
}
