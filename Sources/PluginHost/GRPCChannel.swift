import CGRPCShim
import Synchronization
import VeleroPluginKit

/// What a unary call or a stream ended with.
public struct CallOutcome: Sendable, Equatable {
    public var code: Int32
    public var message: String
    public var payload: [UInt8]?
    /// Raw `grpc-status-details-bin`, if the server sent it.
    public var details: [UInt8]?
}

/// A failed call, as Velero's client sees it: code, message and the decoded `google.rpc.Status` details.
public struct PluginCallError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var status: RPCStatus?

    public init(code: Int32, message: String, status: RPCStatus?) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// The `generated.Stack` frames carried in the details (Velero reads frame 0).
    public var stack: [StackFrame] {
        guard let detail = status?.details.first(where: { $0.typeURL.hasSuffix("generated.Stack") }) else { return [] }
        return (try? StackCodec.decode(detail.value)) ?? []
    }

    /// Velero's rendering: `rpc error: code = Unknown desc = <message>`.
    public var description: String { "rpc error: code = \(GRPCCode.name(code)) desc = \(message)" }
}

/// A gRPC client channel over the C shim (one completion-queue thread); calls are async and may run concurrently.
public final class GRPCChannel: Sendable {
    private let channel: CHandle

    public init(target: String) throws {
        var error = [CChar](repeating: 0, count: 256)
        guard let created = gs_channel_create(target, &error, error.count) else {
            throw PluginHostError(error.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        channel = CHandle(created)
    }

    /// Closes the connection. Streams must have ended or been cancelled first.
    public func close() {
        if let pointer = channel.take() { gs_channel_destroy(pointer) }
    }

    deinit { close() }

    public func unary(_ method: String, _ request: [UInt8]) async -> CallOutcome {
        guard let pointer = channel.peek() else {
            return CallOutcome(code: GRPCCode.unavailable, message: "channel closed", payload: nil, details: nil)
        }
        return await withCheckedContinuation { (continuation: CheckedContinuation<CallOutcome, Never>) in
            let box = Unmanaged.passRetained(ContinuationBox(continuation))
            let started = request.withUnsafeBufferPointer { buffer in
                gs_channel_unary(pointer, method, buffer.baseAddress, buffer.count, { context, result in
                    guard let context, let result else { return }
                    let box = Unmanaged<ContinuationBox>.fromOpaque(context).takeRetainedValue()
                    box.continuation.resume(returning: CallOutcome(result.pointee))
                }, box.toOpaque())
            }
            if started != 0 {
                box.release()
                continuation.resume(
                    returning: CallOutcome(code: GRPCCode.unavailable, message: "cannot start call", payload: nil, details: nil))
            }
        }
    }

    /// Opens a stream and holds it: server-streaming when `request` is given (sent and half-closed), bidi otherwise.
    public func openStream(_ method: String, request: [UInt8]?) throws -> HeldStream {
        guard let pointer = channel.peek() else { throw PluginHostError("channel closed") }
        let stream = HeldStream()
        let context = Unmanaged.passRetained(stream).toOpaque()
        let bytes = request ?? []
        let handle = bytes.withUnsafeBufferPointer { buffer in
            gs_channel_open_stream(pointer, method, buffer.baseAddress, buffer.count, request == nil ? 0 : 1, {
                context, kind, result in
                guard let context, let result else { return }
                let stream = Unmanaged<HeldStream>.fromOpaque(context)
                if kind == 1 {
                    stream.takeUnretainedValue().received(result.pointee)
                } else {
                    stream.takeRetainedValue().closed(CallOutcome(result.pointee))
                }
            }, context)
        }
        guard let handle else {
            Unmanaged<HeldStream>.fromOpaque(context).release()
            throw PluginHostError("cannot open stream \(method)")
        }
        stream.attach(handle)
        return stream
    }
}

/// A stream the host keeps open (go-plugin's stdio and broker streams).
public final class HeldStream: Sendable {
    private struct State {
        var handle: CHandle?
        var messages = 0
        var outcome: CallOutcome?
        var waiters: [CheckedContinuation<CallOutcome, Never>] = []
    }

    private let state = Mutex(State())

    fileprivate func attach(_ handle: OpaquePointer) { state.withLock { $0.handle = CHandle(handle) } }

    fileprivate func received(_ result: gs_client_result) { state.withLock { $0.messages += 1 } }

    fileprivate func closed(_ outcome: CallOutcome) {
        let waiters = state.withLock { state in
            state.outcome = outcome
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: outcome) }
    }

    /// Number of messages received so far.
    public var messageCount: Int { state.withLock { $0.messages } }

    /// The final status, once the stream has ended.
    public var outcome: CallOutcome? { state.withLock { $0.outcome } }

    public func cancel() {
        if let handle = state.withLock({ $0.handle?.peek() }) { gs_client_stream_cancel(handle) }
    }

    /// Waits for the stream to end.
    public func finished() async -> CallOutcome {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state -> CallOutcome? in
                if let outcome = state.outcome { return outcome }
                state.waiters.append(continuation)
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }

    deinit {
        if let handle = state.withLock({ $0.handle?.take() }) { gs_client_stream_release(handle) }
    }
}

private final class ContinuationBox {
    let continuation: CheckedContinuation<CallOutcome, Never>
    init(_ continuation: CheckedContinuation<CallOutcome, Never>) { self.continuation = continuation }
}

extension CallOutcome {
    init(_ result: gs_client_result) {
        code = result.status
        message = result.message.map { String(cString: $0) } ?? ""
        payload = result.has_payload != 0 ? Array(UnsafeBufferPointer(start: result.payload, count: result.payload_len)) : nil
        details =
            result.details_len > 0 ? Array(UnsafeBufferPointer(start: result.details, count: result.details_len)) : nil
    }

    /// The payload of an OK call, or the error Velero would see.
    func requirePayload() throws(PluginCallError) -> [UInt8] {
        guard code == GRPCCode.ok else {
            throw PluginCallError(code: code, message: message, status: details.flatMap { try? RPCStatus(decoding: $0) })
        }
        return payload ?? []
    }
}

/// A problem of the host itself (launch, handshake, connection).
public struct PluginHostError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
