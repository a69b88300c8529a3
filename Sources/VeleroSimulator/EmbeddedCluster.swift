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
    /// Positions in `objects` by resource and namespace, so Velero's per-item lookups ("the pods of this namespace",
    /// "the VolumeSnapshotClasses") do not scan the whole cluster for every item of a 10,000-VM walk.
    private let positions: [Bucket: [Int]]
    private let namespacesByResource: [APIResource: [String]]
    /// Objects created while the preview runs (Velero's VolumeSnapshots and DataUploads, restored items).
    private let created = Mutex(Created())

    private struct Bucket: Hashable {
        var resource: APIResource
        var namespace: String
    }

    private struct Created {
        var byKey: [ObjectKey: ManifestObject] = [:]
        var keys: [Bucket: Set<ObjectKey>] = [:]
    }

    private init(objects: [ManifestObject], server: FakeKubeAPIServer, kubeconfigPath: String) {
        self.objects = objects
        self.server = server
        self.kubeconfigPath = kubeconfigPath
        var index: [ObjectKey: Int] = [:]
        var positions: [Bucket: [Int]] = [:]
        var namespaces: [APIResource: [String]] = [:]
        for (position, object) in objects.enumerated() {
            index[object.key] = position
            let bucket = Bucket(resource: object.resource, namespace: object.namespace)
            if positions[bucket] == nil { namespaces[object.resource, default: []].append(object.namespace) }
            positions[bucket, default: []].append(position)
        }
        self.index = index
        self.positions = positions
        namespacesByResource = namespaces
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
        if let found = created.withLock({ $0.byKey[key] }) { return found }
        return index[key].map { objects[$0] }
    }

    /// The objects of `resource` (in `namespace`, or in all), as created since if they were: the manifests' and the
    /// created ones, sorted by namespace and name.
    public func objects(of resource: APIResource, in namespace: String? = nil) -> [ManifestObject] {
        let created = created.withLock { $0 }
        var buckets = namespace.map { [Bucket(resource: resource, namespace: $0)] }
            ?? (namespacesByResource[resource] ?? []).map { Bucket(resource: resource, namespace: $0) }
        for bucket in created.keys.keys where bucket.resource == resource && (namespace == nil || bucket.namespace == namespace)
            && !buckets.contains(bucket)
        {
            buckets.append(bucket)
        }
        var result: [ManifestObject] = []
        for bucket in buckets {
            let replaced = created.keys[bucket] ?? []
            for position in positions[bucket] ?? [] where !replaced.contains(objects[position].key) { result.append(objects[position]) }
            for key in replaced { if let object = created.byKey[key] { result.append(object) } }
        }
        return result.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// Creates (or replaces) an object, as a controller or Velero would, and serves it from the API too.
    public func add(_ object: ManifestObject) {
        created.withLock { created in
            created.byKey[object.key] = object
            created.keys[Bucket(resource: object.resource, namespace: object.namespace), default: []].insert(object.key)
        }
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
