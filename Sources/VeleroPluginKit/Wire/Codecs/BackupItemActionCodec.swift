import CGRPCShim

extension BackupExecuteRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Generated__ExecuteRequest()
        generated__execute_request__init(&message)
        message.plugin = arena.string(plugin)
        message.item = arena.bytes(item)
        message.backup = arena.bytes(backup)
        return ProtobufC.pack(&message, size: generated__execute_request__get_packed_size, pack: generated__execute_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try ProtobufC.unpack(
            bytes, "ExecuteRequest", unpack: generated__execute_request__unpack,
            free: generated__execute_request__free_unpacked
        ) { message in
            BackupExecuteRequest(
                plugin: ProtobufC.text(message.plugin), item: ProtobufC.binary(message.item),
                backup: ProtobufC.binary(message.backup))
        }
    }
}

extension BackupExecuteResponse {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = V2__ExecuteResponse()
        v2__execute_response__init(&message)
        message.item = arena.bytes(item)
        (message.n_additionalitems, message.additionalitems) = arena.identifiers(additionalItems)
        message.operationid = arena.string(operationID)
        (message.n_postoperationitems, message.postoperationitems) = arena.identifiers(postOperationItems)
        return ProtobufC.pack(&message, size: v2__execute_response__get_packed_size, pack: v2__execute_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try ProtobufC.unpack(
            bytes, "ExecuteResponse", unpack: v2__execute_response__unpack, free: v2__execute_response__free_unpacked
        ) { message in
            BackupExecuteResponse(
                item: ProtobufC.binary(message.item),
                additionalItems: ProtobufC.identifiers(message.n_additionalitems, message.additionalitems),
                operationID: ProtobufC.text(message.operationid),
                postOperationItems: ProtobufC.identifiers(message.n_postoperationitems, message.postoperationitems))
        }
    }
}
