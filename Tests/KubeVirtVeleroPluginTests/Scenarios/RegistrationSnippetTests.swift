import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// The executable registers the actions with VeleroPluginKit's `PluginRegistry`, which this test target cannot
/// see. This stand-in has the same method signatures, so the snippet documented for `main.swift` is compiled here.
private final class RegistryStandIn: @unchecked Sendable {
    typealias Factory<T> = @Sendable () throws -> T
    var registered: [(kind: String, name: String)] = []
    var factories: [@Sendable () throws -> Any] = []

    func register(backupItemAction name: String, _ factory: @escaping Factory<any BackupItemAction>) {
        registered.append(("BackupItemAction", name))
        factories.append(factory)
    }

    func register(restoreItemAction name: String, _ factory: @escaping Factory<any RestoreItemAction>) {
        registered.append(("RestoreItemAction", name))
        factories.append(factory)
    }

    func register(itemBlockAction name: String, _ factory: @escaping Factory<any ItemBlockAction>) {
        registered.append(("ItemBlockAction", name))
        factories.append(factory)
    }
}

@Suite("Plugin registration")
struct RegistrationSnippetTests {
    @Test("the main.swift snippet registers 11 actions whose factories never fail")
    func snippet() throws {
        let registry = RegistryStandIn()
        // --- snippet for Sources/kubevirt-velero-plugin/main.swift ---
        let plugin = KubeVirtPlugin(
            clusterReader: UnavailableClusterReader(reason: "this build has no Kubernetes API client yet"))
        for action in plugin.backupItemActions { registry.register(backupItemAction: action.name, action.make) }
        for action in plugin.restoreItemActions { registry.register(restoreItemAction: action.name, action.make) }
        for action in plugin.itemBlockActions { registry.register(itemBlockAction: action.name, action.make) }
        // ---
        #expect(registry.registered.count == 11)
        #expect(registry.registered.last?.kind == "ItemBlockAction")
        for factory in registry.factories { _ = try factory() }
    }
}
