import CGRPCShim
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The start-up sequence of a plugin binary, in a Go plugin's order (Velero's framework on go-plugin): logger,
/// arguments, identifiers, cookie, socket, gRPC server, handshake line; then serve until Shutdown and exit 0.
///
/// `run` is synchronous on purpose: Swift's async main ends in `pthread_exit`, which needs `libgcc_s.so.1` —
/// absent from Velero's image.
public enum PluginMain {
    public static let cookieKey = "VELERO_PLUGIN"
    public static let cookieValue = "hello"
    /// go-plugin's text for a binary run without the cookie.
    public static let notAPluginMessage = """
        This binary is a plugin. These are not meant to be executed directly.
        Please execute the program that consumes these plugins, which will
        load any plugins automatically

        """
    /// Request size limit: 4 MiB like a Go plugin (grpc-go's default receive limit).
    static let maxReceiveBytes: Int32 = 4 * 1024 * 1024
    /// Grace for in-flight calls after Shutdown/SIGTERM; Velero kills after 2 s.
    static let shutdownGraceMilliseconds: Int32 = 800

    public static func run(registry: PluginRegistry, label: String = "velero-plugin") -> Never {
        gs_tune_malloc()
        signal(SIGPIPE, SIG_IGN)
        signal(SIGINT, SIG_IGN)  // Go counts and drops SIGINT; Velero never sends it
        // A parent may have left SIGTERM blocked; unblock it before gRPC's threads inherit this thread's mask.
        var termOnly = sigset_t()
        sigemptyset(&termOnly)
        sigaddset(&termOnly, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &termOnly, nil)

        let environment = ProcessEnvironment.current
        guard environment[cookieKey] == cookieValue else {
            // The plugin image's entrypoint: copy this executable into the init container's /target and exit (a
            // scratch image has no cp). Only on explicit request and never when Velero launches it (cookie set).
            let argv = CommandLine.arguments
            if argv.count == 3, argv[1] == SelfCopy.flag {
                exit(SelfCopy.copy(into: argv[2], name: argv[0]))
            }
            writeStandardError(notAPluginMessage)
            exit(1)
        }

        let sink = VeleroLogSink.standardError
        LoggingSystem.bootstrap { VeleroLogHandler(label: $0, sink: sink) }
        let logger = Logger(label: label)

        let argv = CommandLine.arguments.isEmpty ? gs_process_argv0().map { [String(cString: $0)] } ?? [] : CommandLine.arguments
        guard let command = argv.first else {
            fail(logger, "cannot read argv[0] (is /proc mounted?); Velero needs it as the plugin's command")
        }
        let arguments = LaunchArguments(Array(argv.dropFirst()))
        sink.level = arguments.logLevel ?? .info
        if let bad = arguments.unrecognisedLogLevel {
            logger.warning("unrecognised --log-level \(bad), using info")
        }
        if sink.level == .debug { logger.debug("Setting log level to DEBUG") }

        gs_install_crash_line(
            String(
                decoding: VeleroLogSink.render(
                    level: .error, message: "plugin process crashed (fatal signal); the item being processed failed",
                    source: "VeleroPluginKit/PluginMain.swift:0", fields: [("cmd", command)]),
                as: UTF8.self))
        gs_set_log_fn(
            { context, severity, file, line, message in
                GRPCCoreLog.forward(severity: severity, file: file, line: line, message: message)
            }, nil)

        if let cert = environment["PLUGIN_CLIENT_CERT"], !cert.isEmpty {
            writeStandardError("PLUGIN_CLIENT_CERT is set: this plugin does not implement go-plugin AutoMTLS and will not serve in plaintext\n")
            exit(1)
        }

        do {
            try registry.validate()
        } catch {
            fail(logger, "\(error)")
        }

        let gate = ItemBlockActionGate(arguments: arguments, environment: environment)
        var kinds = Set(PluginKind.allCases)
        if !gate.advertise { kinds.remove(.itemBlockAction) }
        let plugins = registry.identifiers(command: command, including: kinds)
        let hasItemBlockActions = !registry.identifiers(command: command, including: [.itemBlockAction]).isEmpty
        if hasItemBlockActions {
            logger.info(
                "ItemBlockAction plugins \(gate.advertise ? "advertised" : "not advertised"): \(gate.reason)")
        }

        let socket: PluginSocket
        do {
            socket = try PluginSocket.create(environment: environment)
        } catch {
            fail(logger, "\(error)")
        }

        let serverBox = ServerBox()
        let server = PluginServer(
            routes: ServiceRoutes.make(registry: registry, plugins: plugins) { serverBox.server?.beginShutdown() },
            shutdownGraceMilliseconds: shutdownGraceMilliseconds, logger: logger)
        serverBox.server = server
        do {
            try server.start(address: "unix:" + socket.path, maxReceiveBytes: maxReceiveBytes)
            try socket.applyGroup(environment: environment)
        } catch {
            socket.remove()
            fail(logger, "\(error)")
        }
        logger.debug("plugin address", metadata: ["address": "\(socket.path)", "network": "unix"])

        writeStandardOutput("1|2|unix|\(socket.path)|grpc|\n")
        StdoutGuard.install(logger: logger)
        sink.startBatching()
        registry.startServingHooks()

        server.waitUntilStopped()
        socket.remove()
        logger.debug("plugin server stopped")
        StdoutGuard.finish()
        exit(0)
    }

    static func fail(_ logger: Logger, _ message: String) -> Never {
        logger.error("\(message)")
        exit(1)
    }

    /// Lets the Shutdown route reach the server that is created after the routes.
    private final class ServerBox: @unchecked Sendable {
        // Written once before the server starts; read only afterwards.
        var server: PluginServer?
    }
}
