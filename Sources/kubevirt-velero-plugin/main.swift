import KubeVirtVeleroPlugin
import VeleroPluginKit

// Registrations only: the names Velero lists and the actions behind them (kubevirt-actions.md §1).
let registry = PluginRegistry()
let plugin = KubeVirtPlugin(
    clusterReader: UnavailableClusterReader(reason: "this build has no Kubernetes API client yet"))
for action in plugin.backupItemActions { registry.register(backupItemAction: action.name, action.make) }
for action in plugin.restoreItemActions { registry.register(restoreItemAction: action.name, action.make) }
for action in plugin.itemBlockActions { registry.register(itemBlockAction: action.name, action.make) }
PluginMain.run(registry: registry, label: "kubevirt-velero-plugin")
