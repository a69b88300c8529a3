import Logging
import Synchronization

/// The one API client of a plugin process, created by the first `get()` — the plugin's serving hook right after the
/// handshake, or the first call that needs it; never before the handshake and never while actions are
/// instantiated, so a missing configuration only fails the calls that need the API. A configuration
/// error is not cached: the next call tries again (cheap: environment and file checks).
public final class SharedKubeClient: Sendable {
    private let make: @Sendable () throws(KubeAPIError) -> KubeAPIClient
    private let client = Mutex<KubeAPIClient?>(nil)

    public init(make: @escaping @Sendable () throws(KubeAPIError) -> KubeAPIClient) {
        self.make = make
    }

    /// The default: client-go's loading rules over `environment` (the process's), with `options`, whose `problems`
    /// are logged as warnings when the client is made. The logger is created on first use, after the plugin has set up logging (a logger made earlier would write
    /// to stdout, which Velero reserves for the handshake).
    public convenience init(environment: [String: String], options: KubeClientOptions) {
        self.init { () throws(KubeAPIError) -> KubeAPIClient in
            let config = try KubeConfigLoader(environment: environment).load()
            let logger = Logger(label: "kube-client")
            for problem in options.problems { logger.warning("\(problem)") }
            return try KubeAPIClient(config: config, options: options, environment: environment, logger: logger)
        }
    }

    /// The client, created by the first caller. Concurrent first callers wait for that one creation (a few
    /// milliseconds) instead of each building a client and throwing all but one away.
    public func get() throws(KubeAPIError) -> KubeAPIClient {
        try client.withLock { (slot: inout KubeAPIClient?) throws(KubeAPIError) -> KubeAPIClient in
            if let existing = slot { return existing }
            let created = try make()
            slot = created
            return created
        }
    }
}

