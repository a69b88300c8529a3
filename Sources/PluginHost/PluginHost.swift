import Foundation
import VeleroPluginKit

#if canImport(Glibc)
import Glibc
#endif

/// A plugin binary driven exactly as Velero drives it: launch, handshake, one h2c connection over the unix socket
/// with go-plugin's stdio and broker streams held open, typed calls for every action kind, and go-plugin's kill
/// sequence (cancel broker, Shutdown, close, wait 2 s, SIGKILL). Tests and the `velero-plugin-host` CLI use it.
public final class PluginHost: Sendable {
    public let process: PluginProcess
    public let handshake: Handshake
    public let channel: GRPCChannel
    private let stdio: HeldStream
    private let broker: HeldStream

    /// The parsed handshake line, go-plugin's `CORE|APP|NETWORK|ADDRESS|PROTOCOL|SERVERCERT`.
    public struct Handshake: Sendable, Equatable {
        public var line: String
        public var coreVersion: String
        public var appVersion: String
        public var network: String
        public var address: String
        public var `protocol`: String

        public init(parsing raw: String) throws {
            line = raw
            let parts = raw.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "|", omittingEmptySubsequences: false)
                .map(String.init)
            guard parts.count >= 4 else { throw PluginHostError("Unrecognized remote plugin message: \(raw)") }
            coreVersion = parts[0]
            appVersion = parts[1]
            network = parts[2]
            address = parts[3]
            `protocol` = parts.count > 4 ? parts[4] : "netrpc"
            guard coreVersion == "1" else {
                throw PluginHostError("Incompatible core API version with plugin. Plugin version: \(coreVersion), Core version: 1")
            }
            guard appVersion == "2" else {
                throw PluginHostError("Incompatible API version with plugin. Plugin version: \(appVersion), Client versions: [2]")
            }
            guard network == "unix" else { throw PluginHostError("unsupported network \(network) in handshake") }
            guard `protocol` == "grpc" else {
                throw PluginHostError("Unsupported plugin protocol \"\(`protocol`)\". Supported: [grpc]")
            }
        }
    }

    /// What the kill sequence observed.
    public struct KillReport: Sendable {
        public var shutdownOutcome: CallOutcome
        public var exitedGracefully: Bool
        public var exitStatus: Int32?
        public var elapsed: Duration
    }

    /// Launches `path` and connects. `handshakeTimeout` defaults to go-plugin's 60 s. For a plugin run inside a
    /// chroot, `wrapper` is the command that enters it and `socketRoot` the chroot directory (the handshake's socket
    /// path is inside it).
    public init(
        path: String, arguments: [String] = ["--log-level", "info"], environment: [String: String] = [:],
        handshakeTimeout: Duration = .seconds(60), wrapper: [String] = [], socketRoot: String = "",
        inheritEnvironment: Bool = true
    ) async throws {
        process = try PluginProcess(
            path: path, arguments: arguments, environment: environment, wrapper: wrapper,
            inheritEnvironment: inheritEnvironment)
        do {
            let line: String
            do {
                line = try process.waitForHandshakeLine(timeout: handshakeTimeout)
            } catch let error as PluginHostError {
                // go-plugin's text first, then what the plugin said on its way out.
                process.waitForExit(timeout: .milliseconds(500))
                let said = process.stderrLines.suffix(5).joined(separator: "\n")
                throw PluginHostError(said.isEmpty ? error.message : error.message + "; plugin stderr:\n" + said)
            }
            handshake = try Handshake(parsing: line)
            channel = try GRPCChannel(target: "unix:" + socketRoot + handshake.address)
            // go-plugin opens the stdio stream while building its client, then the broker stream.
            stdio = try channel.openStream(MethodPath.stdioStream, request: [])
            broker = try channel.openStream(MethodPath.brokerStream, request: nil)
        } catch {
            process.signal(SIGKILL)
            process.waitForExit(timeout: .seconds(5))
            throw error
        }
    }

    /// A host dropped without `kill()` (a failed test, an aborted CLI) must not leave the plugin running or the
    /// connection's held streams blocking the channel's teardown.
    deinit {
        broker.cancel()
        stdio.cancel()
        if !process.hasExited {
            process.signal(SIGKILL)
            process.waitForExit(timeout: .seconds(5))
        }
    }

    // MARK: - Velero's calls

    public func listPlugins() async throws -> [PluginIdentifier] {
        try ListPluginsResponse(decoding: try await call(MethodPath.listPlugins, [])).plugins
    }

    public func healthCheck(service: String = "plugin") async throws -> Int32 {
        try HealthCheckResponse(decoding: try await call(MethodPath.healthCheck, HealthCheckRequest(service: service).encoded())).status
    }

    /// AppliesTo of a plugin of `kind`; `nil` means the selector was absent (every resource).
    public func appliesTo(kind: PluginKind, name: String) async throws -> ResourceSelector? {
        let path = MethodPath.of(kind, "AppliesTo")
        return try AppliesToResponse(decoding: try await call(path, AppliesToRequest(plugin: name).encoded())).selector
    }

    /// BackupItemAction Execute; `v2` calls the v2 service (same request fields, the response adds operation IDs).
    public func backupExecute(name: String, item: [UInt8], backup: [UInt8], v2: Bool = false) async throws -> BackupExecuteResponse {
        let request = BackupExecuteRequest(plugin: name, item: item, backup: backup).encoded()
        let path = MethodPath.execute(v2 ? .backupItemActionV2 : .backupItemAction)
        return try BackupExecuteResponse(decoding: try await call(path, request))
    }

    /// RestoreItemAction Execute; `v2` calls the v2 service.
    public func restoreExecute(name: String, item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8], v2: Bool = false)
        async throws -> RestoreExecuteResponse
    {
        let request = RestoreExecuteRequest(plugin: name, item: item, restore: restore, itemFromBackup: itemFromBackup)
        let path = MethodPath.execute(v2 ? .restoreItemActionV2 : .restoreItemAction)
        return try RestoreExecuteResponse(decoding: try await call(path, request.encoded()))
    }

    public func getRelatedItems(name: String, item: [UInt8], backup: [UInt8]) async throws -> [ResourceIdentifier] {
        let request = BackupExecuteRequest(plugin: name, item: item, backup: backup).encoded()
        return try GetRelatedItemsResponse(decoding: try await call(MethodPath.execute(.itemBlockAction), request)).relatedItems
    }

    /// A raw unary call; throws the error Velero's client would see.
    public func call(_ method: String, _ request: [UInt8]) async throws -> [UInt8] {
        try await channel.unary(method, request).requirePayload()
    }

    // MARK: - Kill

    /// go-plugin's Kill, as Velero stops a plugin: cancel the broker stream, call Shutdown (no deadline, result
    /// ignored), close the connection, wait up to `grace` for the process to exit, then SIGKILL.
    @discardableResult
    public func kill(grace: Duration = .seconds(2)) async -> KillReport {
        let start = ContinuousClock.now
        broker.cancel()
        let outcome = await channel.unary(MethodPath.shutdown, [])
        stdio.cancel()
        _ = await stdio.finished()
        _ = await broker.finished()
        channel.close()
        let graceful = process.waitForExit(timeout: grace)
        if !graceful {
            process.signal(SIGKILL)
            process.waitForExit(timeout: .seconds(10))
        }
        return KillReport(
            shutdownOutcome: outcome, exitedGracefully: graceful, exitStatus: process.exitStatus,
            elapsed: ContinuousClock.now - start)
    }

    /// How the held streams ended (nil while open).
    public var stdioOutcome: CallOutcome? { stdio.outcome }
    public var brokerOutcome: CallOutcome? { broker.outcome }
}

/// A plugin's stderr line parsed the way Velero's go-plugin host parses it: a JSON object whose `@message` and
/// `@level` are strings. `nil` for anything else.
public struct PluginLogLine: Sendable, Equatable {
    public var level: String
    public var message: String
    public var fields: [String: String]
    /// Keys whose values are not strings (Velero's counter hook panics on non-string namespace/name/resource).
    public var nonStringKeys: [String]

    public init?(_ line: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
            let level = object["@level"] as? String, let message = object["@message"] as? String
        else { return nil }
        self.level = level
        self.message = message
        var fields: [String: String] = [:]
        var nonString: [String] = []
        for (key, value) in object {
            if let text = value as? String { fields[key] = text } else { nonString.append(key) }
        }
        self.fields = fields
        nonStringKeys = nonString.sorted()
    }
}
