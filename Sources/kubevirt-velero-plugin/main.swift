import KubeClient
import KubeVirtVeleroPlugin
import VeleroPluginKit

// Registrations only: the names Velero lists and the actions behind them (the Go plugin's names, plus the
// ItemBlockAction of D8 in docs/decisions.md). The API client is prepared in the background once the plugin serves; no
// request is made before an action needs one.
let registry = PluginRegistry()
let plugin = KubeVirtPlugin(
    clusterReader: APIClusterReader(client: SharedKubeClient(pluginEnvironment: ProcessEnvironment.current)))
plugin.register(in: registry)
PluginMain.run(registry: registry, label: "kubevirt-velero-plugin")
