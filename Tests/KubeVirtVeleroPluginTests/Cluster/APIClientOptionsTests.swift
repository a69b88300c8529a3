import KubeClient
import Testing
@testable import KubeVirtVeleroPlugin

/// The API client knows no plugin: the plugin's `main` hands it the variables an admin sets and the User-Agent.
@Suite("API client options of the plugin")
struct APIClientOptionsTests {
    @Test("KUBEVIRT_VELERO_PLUGIN_API_TIMEOUT, _QPS and _BURST tune the client; the User-Agent names the plugin")
    func pluginVariables() {
        let options = KubeClientOptions.kubevirtVeleroPlugin(environment: [
            "KUBEVIRT_VELERO_PLUGIN_API_TIMEOUT": "5", "KUBEVIRT_VELERO_PLUGIN_API_QPS": "7",
            "KUBEVIRT_VELERO_PLUGIN_API_BURST": "x",
        ])
        #expect(options.requestTimeout == .seconds(5) && options.queriesPerSecond == 7)
        #expect(options.burst == KubeClientOptions().burst)
        #expect(options.problems == ["KUBEVIRT_VELERO_PLUGIN_API_BURST=x is not a whole number from 1 to 1000000; using 200"])
        #expect(options.userAgent == "kubevirt-velero-plugin-swift")
    }

    @Test("other variables leave the defaults")
    func otherVariablesAreIgnored() {
        let options = KubeClientOptions.kubevirtVeleroPlugin(environment: ["API_TIMEOUT": "5", "KUBE_QPS": "7"])
        #expect(options.requestTimeout == KubeClientOptions().requestTimeout && options.problems.isEmpty)
    }
}
