import KubeClient
import KubeVirtVeleroPlugin
import VeleroPluginKit

// Registrations only: the names Velero lists and the actions behind them (kubevirt-actions.md §1). The API client
// is created on the first action that reads the cluster, never at start-up.
let registry = PluginRegistry()
let plugin = KubeVirtPlugin(
    clusterReader: APIClusterReader(client: SharedKubeClient(environment: ProcessEnvironment.current)))
for action in plugin.backupItemActions { registry.register(backupItemAction: action.name, action.make) }
for action in plugin.restoreItemActions { registry.register(restoreItemAction: action.name, action.make) }
for action in plugin.itemBlockActions { registry.register(itemBlockAction: action.name, action.make) }
PluginMain.run(registry: registry, label: "kubevirt-velero-plugin")
