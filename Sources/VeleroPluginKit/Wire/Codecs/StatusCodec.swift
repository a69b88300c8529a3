import CGRPCShim

/// `generated.Stack`.
public enum StackCodec {
    public static func encode(_ frames: [StackFrame]) -> [UInt8] {
        let arena = CArena()
        let items = frames.map { frame -> UnsafeMutablePointer<Generated__StackFrame> in
            var message = Generated__StackFrame()
            generated__stack_frame__init(&message)
            message.file = arena.string(frame.file)
            message.line = frame.line
            message.function = arena.string(frame.function)
            return arena.object(message)
        }
        var message = Generated__Stack()
        generated__stack__init(&message)
        message.n_frames = items.count
        message.frames = arena.pointers(items)
        return ProtobufC.pack(&message, size: generated__stack__get_packed_size, pack: generated__stack__pack)
    }

    public static func decode(_ bytes: [UInt8]) throws -> [StackFrame] {
        try ProtobufC.unpack(bytes, "generated.Stack", unpack: generated__stack__unpack, free: generated__stack__free_unpacked) {
            message in
            guard let array = message.frames else { return [] }
            return (0..<message.n_frames).compactMap { index in
                guard let frame = array[index]?.pointee else { return nil }
                return StackFrame(file: ProtobufC.text(frame.file), line: frame.line, function: ProtobufC.text(frame.function))
            }
        }
    }
}

extension RPCStatus {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        let items = details.map { detail -> UnsafeMutablePointer<Google__Protobuf__Any> in
            var message = Google__Protobuf__Any()
            google__protobuf__any__init(&message)
            message.type_url = arena.string(detail.typeURL)
            message.value = arena.bytes(detail.value)
            return arena.object(message)
        }
        var message = Google__Rpc__Status()
        google__rpc__status__init(&message)
        message.code = code
        message.message = arena.string(self.message)
        message.n_details = items.count
        message.details = arena.pointers(items)
        return ProtobufC.pack(&message, size: google__rpc__status__get_packed_size, pack: google__rpc__status__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try ProtobufC.unpack(
            bytes, "google.rpc.Status", unpack: google__rpc__status__unpack, free: google__rpc__status__free_unpacked
        ) { message in
            var details: [AnyMessage] = []
            if let array = message.details {
                for index in 0..<message.n_details {
                    guard let any = array[index]?.pointee else { continue }
                    details.append(AnyMessage(typeURL: ProtobufC.text(any.type_url), value: ProtobufC.binary(any.value)))
                }
            }
            return RPCStatus(code: message.code, message: ProtobufC.text(message.message), details: details)
        }
    }
}
