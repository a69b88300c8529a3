import CGRPCShim
import Dispatch
import Logging
import Synchronization

/// How the server answers one method path.
enum Route: Sendable {
    /// Decode the request, produce the response message or throw (mapped by `GRPCFailure.from`).
    case unary(@Sendable ([UInt8]) async throws -> [UInt8])
    /// Accept the stream and hold it open without sending (go-plugin's stdio and broker streams);
    /// it ends with OK when the client half-closes or cancels, or at shutdown.
    case heldServerStream
    case heldBidiStream
}

/// A call the application owns until it is answered exactly once. If a handler loses the call without answering,
/// `deinit` finishes it with INTERNAL so shutdown never waits for it.
final class CallHandle: Sendable {
    private let pointer: CHandle

    init(_ call: OpaquePointer) { pointer = CHandle(call) }

    private func take() -> OpaquePointer? { pointer.take() }

    func respond(_ bytes: [UInt8]) {
        guard let call = take() else { return }
        bytes.withUnsafeBufferPointer { _ = gs_call_respond(call, $0.baseAddress, $0.count) }
    }

    func finish(_ failure: GRPCFailure) {
        guard let call = take() else { return }
        let details = failure.detailsBytes ?? []
        details.withUnsafeBufferPointer { buffer in
            _ = gs_call_finish(call, failure.code, failure.message, buffer.baseAddress, buffer.count)
        }
    }

    func finishOK() {
        guard let call = take() else { return }
        _ = gs_call_finish(call, GRPCCode.ok, nil, nil, 0)
    }

    deinit {
        if let call = take() { _ = gs_call_finish(call, GRPCCode.internal, "the plugin dropped the call", nil, 0) }
    }
}

/// The gRPC server of a plugin process: owns the C shim's server, turns its events into Swift tasks and answers
/// them through `routes`. A unary handler starts on the completion-queue thread (`Task.immediate`) and runs there
/// until it first suspends, so a call that needs no I/O is answered without a thread hand-off; one that waits
/// resumes on Swift's pool. The completion-queue thread never blocks on Swift.
public final class PluginServer: Sendable {
    private let routes: [String: Route]
    private let handle = CHandle()
    private let heldStreams = Mutex<[UInt64: CallHandle]>([:])
    private let stopped = DispatchSemaphore(value: 0)
    private let shutdownGraceMilliseconds: Int32
    let logger: Logger

    init(routes: [String: Route], shutdownGraceMilliseconds: Int32, logger: Logger) {
        self.routes = routes
        self.shutdownGraceMilliseconds = shutdownGraceMilliseconds
        self.logger = logger
    }

    /// Binds `address` (e.g. `unix:/tmp/…/plugin123`) and starts serving.
    func start(address: String, maxReceiveBytes: Int32) throws {
        var error = [CChar](repeating: 0, count: 512)
        let context = Unmanaged.passRetained(self).toOpaque()  // released when the server has stopped
        let created: OpaquePointer? = address.withCString { addressPointer in
            var config = gs_server_config()
            config.address = addressPointer
            config.on_event = { context, event in
                guard let context, let event else { return }
                Unmanaged<PluginServer>.fromOpaque(context).takeUnretainedValue().receive(event.pointee)
            }
            config.context = context
            config.max_receive_bytes = maxReceiveBytes
            config.request_slots = 16
            config.sigterm_grace_ms = shutdownGraceMilliseconds
            return gs_server_create(&config, &error, error.count)
        }
        guard let server = created else {
            Unmanaged<PluginServer>.fromOpaque(context).release()
            throw ServerStartError(message: Self.text(error))
        }
        for (path, route) in routes {
            let kind: gs_method_kind =
                switch route {
                case .unary: GS_METHOD_UNARY
                case .heldServerStream: GS_METHOD_SERVER_STREAM
                case .heldBidiStream: GS_METHOD_BIDI
                }
            _ = gs_server_set_method(server, path, kind)
        }
        guard gs_server_start(server, &error, error.count) == 0 else {
            Unmanaged<PluginServer>.fromOpaque(context).release()
            throw ServerStartError(message: Self.text(error))
        }
        handle.store(server)
    }

    /// Ends held streams with OK, stops accepting calls and cancels what is still running after the grace period.
    public func beginShutdown() {
        let streams = heldStreams.withLock { streams in defer { streams = [:] }; return streams }
        for stream in streams.values { stream.finishOK() }
        if let server = handle.peek() { gs_server_shutdown(server, shutdownGraceMilliseconds) }
    }

    /// Blocks the calling thread until the server has stopped (Shutdown RPC, SIGTERM or `beginShutdown`).
    public func waitUntilStopped() {
        stopped.wait()
        // The completion-queue thread ends right after the stop event; join it so no thread is left behind.
        if let server = handle.peek() { gs_server_join(server) }
    }

    private func receive(_ event: gs_event) {
        switch event.kind {
        case GS_EVENT_UNARY:
            guard let call = event.call else { return }
            let handle = CallHandle(call)
            let method = Self.string(event.method, event.method_len)
            let payload = Self.bytes(event.payload, event.payload_len)
            guard case .unary(let handler)? = routes[method] else {
                handle.finish(GRPCFailure(code: GRPCCode.unimplemented, message: "unknown method \(method)"))
                return
            }
            Task.immediate {
                do {
                    handle.respond(try await handler(payload))
                } catch {
                    handle.finish(GRPCFailure.from(error, at: SourceLocation()))
                }
            }
        case GS_EVENT_STREAM_OPEN:
            guard let call = event.call else { return }
            let handle = CallHandle(call)
            heldStreams.withLock { $0[event.call_id] = handle }
        case GS_EVENT_STREAM_HALF_CLOSE, GS_EVENT_CANCELLED:
            let held = heldStreams.withLock { $0.removeValue(forKey: event.call_id) }
            held?.finishOK()
        case GS_EVENT_SERVER_STOPPED:
            stopped.signal()
        default:
            break  // stream messages: go-plugin never brokers connections, nothing to do
        }
    }

    private static func string(_ pointer: UnsafePointer<CChar>?, _ length: Int) -> String {
        guard let pointer, length > 0 else { return "" }
        return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    private static func bytes(_ pointer: UnsafePointer<UInt8>?, _ length: Int) -> [UInt8] {
        guard let pointer, length > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: length))
    }

    private static func text(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}

/// The server could not bind or start.
public struct ServerStartError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
