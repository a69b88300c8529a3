import KubeClient

extension KubeClientOptions {
    /// This plugin's API client: its User-Agent, and the tunables an admin sets on Velero's container
    /// (docs/kubernetes-client.md) — `KUBEVIRT_VELERO_PLUGIN_API_TIMEOUT` (seconds per attempt),
    /// `KUBEVIRT_VELERO_PLUGIN_API_QPS` and `KUBEVIRT_VELERO_PLUGIN_API_BURST`.
    public static func kubevirtVeleroPlugin(environment: [String: String]) -> KubeClientOptions {
        var options = KubeClientOptions(environment: environment, names: pluginVariables)
        options.userAgent = "kubevirt-velero-plugin-swift"
        return options
    }

    static let pluginVariables = VariableNames(
        requestTimeout: "KUBEVIRT_VELERO_PLUGIN_API_TIMEOUT", queriesPerSecond: "KUBEVIRT_VELERO_PLUGIN_API_QPS",
        burst: "KUBEVIRT_VELERO_PLUGIN_API_BURST")
}

extension SharedKubeClient {
    /// The process's client as the plugin makes it: client-go's loading rules and the plugin's options, both from
    /// `environment` (the process's, read by the plugin's `main`).
    public convenience init(pluginEnvironment environment: [String: String]) {
        self.init(environment: environment, options: .kubevirtVeleroPlugin(environment: environment))
    }
}
