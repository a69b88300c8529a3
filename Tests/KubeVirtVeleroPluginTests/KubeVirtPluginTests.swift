import Synchronization
import Testing
@testable import KubeVirtVeleroPlugin
@testable import VeleroPluginKit

/// Counts `prepare()` calls; every read fails (registration must not read the cluster).
private final class PreparingReader: ClusterReader {
    let prepared = Mutex(0)

    func prepare() { prepared.withLock { $0 += 1 } }

    private func unavailable() -> any Error { ClusterUnavailableError(reason: "no cluster in this test") }
    func get(_ resource: ClusterResource, namespace: String, name: String) async throws -> JSONValue { throw unavailable() }
    func list(_ resource: ClusterResource, namespace: String, labelSelector: String?) async throws -> [JSONValue] {
        throw unavailable()
    }
}

@Suite("Plugin registration")
struct RegistrationSnippetTests {
    @Test("register(in:) adds the 20 actions, whose factories never fail, and prepares cluster access only once serving")
    func registration() async throws {
        let reader = PreparingReader()
        let registry = PluginRegistry()
        // --- as in Sources/kubevirt-velero-plugin/main.swift ---
        let plugin = KubeVirtPlugin(clusterReader: reader)
        plugin.register(in: registry)
        // ---
        try registry.validate()
        let identifiers = registry.identifiers(command: "/plugins/kubevirt-velero-plugin")
        #expect(identifiers.count == 22)
        #expect(identifiers.filter { $0.kind == "BackupItemAction" }.count == 5)
        #expect(identifiers.filter { $0.kind == "RestoreItemAction" }.count == 16)
        #expect(identifiers.last?.kind == "ItemBlockAction")
        for identifier in identifiers {
            switch identifier.kind {
            case "BackupItemAction": #expect(try registry.backupItemAction(identifier.name) != nil)
            case "RestoreItemAction": #expect(try registry.restoreItemAction(identifier.name) != nil)
            default: #expect(try registry.itemBlockAction(identifier.name) != nil)
            }
        }
        #expect(reader.prepared.withLock { $0 } == 0, "registering and creating actions prepare nothing")

        registry.startServingHooks()
        let deadline = ContinuousClock.now + .seconds(5)
        while reader.prepared.withLock({ $0 }) == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(reader.prepared.withLock { $0 } == 1, "serving prepares cluster access once")
    }
}
