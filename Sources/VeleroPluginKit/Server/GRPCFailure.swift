/// A gRPC error status as a Go plugin sends it (grpc-go's rich status): code, message, and — when the error carries a
/// location — `grpc-status-details-bin` holding a `google.rpc.Status` with the same code and message and one
/// `generated.Stack` detail.
public struct GRPCFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var frames: [StackFrame]

    public init(code: Int32, message: String, frames: [StackFrame] = []) {
        self.code = code
        self.message = message
        self.frames = frames
    }

    public var description: String { "rpc error: code = \(code) desc = \(message)" }

    /// The raw `grpc-status-details-bin` value, or nil for a status without a stack.
    public var detailsBytes: [UInt8]? {
        guard !frames.isEmpty else { return nil }
        let stack = AnyMessage(typeURL: RPCStatus.stackTypeURL, value: StackCodec.encode(frames))
        return RPCStatus(code: code, message: message, details: [stack]).encoded()
    }

    /// Maps whatever a handler threw to the status a Go plugin would send for it.
    public static func from(_ error: any Error, at fallback: SourceLocation) -> GRPCFailure {
        switch error {
        case let failure as GRPCFailure:
            return failure
        case let error as ActionError:
            return GRPCFailure(code: GRPCCode.unknown, message: error.message, frames: [frame(error.location)])
        case let panic as PluginPanic:
            return GRPCFailure(code: GRPCCode.aborted, message: panic.description, frames: [frame(panic.location)])
        case let decoding as WireDecodingError:
            // grpc-go fails in its codec with INTERNAL before a Go handler runs.
            return GRPCFailure(code: GRPCCode.internal, message: "grpc: error unmarshalling request: \(decoding)")
        default:
            return GRPCFailure(code: GRPCCode.unknown, message: String(describing: error), frames: [frame(fallback)])
        }
    }

    /// One Stack frame: `file` as `Module/File.swift`, `function` qualified with the module like Go's names.
    static func frame(_ location: SourceLocation) -> StackFrame {
        let module = location.file.split(separator: "/").first.map(String.init) ?? ""
        let function = module.isEmpty ? location.function : "\(module).\(location.function)"
        return StackFrame(file: location.file, line: Int32(clamping: location.line), function: function)
    }
}
