import KubeVirtVeleroPlugin
import VeleroPluginKit

// Registrations only: the names Velero lists and the actions behind them (kubevirt-actions.md §1).
let registry = PluginRegistry()
KubeVirtPlugin.register(in: registry)
PluginMain.run(registry: registry, label: "kubevirt-velero-plugin")
