import CGRPCShim

extension RestoreExecuteRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Generated__RestoreItemActionExecuteRequest()
        generated__restore_item_action_execute_request__init(&message)
        message.plugin = arena.string(plugin)
        message.item = arena.bytes(item)
        message.restore = arena.bytes(restore)
        message.itemfrombackup = arena.bytes(itemFromBackup)
        return ProtobufC.pack(
            &message, size: generated__restore_item_action_execute_request__get_packed_size,
            pack: generated__restore_item_action_execute_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try ProtobufC.unpack(
            bytes, "RestoreItemActionExecuteRequest", unpack: generated__restore_item_action_execute_request__unpack,
            free: generated__restore_item_action_execute_request__free_unpacked
        ) { message in
            RestoreExecuteRequest(
                plugin: ProtobufC.text(message.plugin), item: ProtobufC.binary(message.item),
                restore: ProtobufC.binary(message.restore),
                itemFromBackup: ProtobufC.binary(message.itemfrombackup))
        }
    }
}

extension RestoreExecuteResponse {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = V2__RestoreItemActionExecuteResponse()
        v2__restore_item_action_execute_response__init(&message)
        message.item = arena.bytes(item)
        (message.n_additionalitems, message.additionalitems) = arena.identifiers(additionalItems)
        message.skiprestore = skipRestore ? 1 : 0
        message.operationid = arena.string(operationID)
        message.waitforadditionalitems = waitForAdditionalItems ? 1 : 0
        if let timeout = additionalItemsReadyTimeout {
            var duration = Google__Protobuf__Duration()
            google__protobuf__duration__init(&duration)
            duration.seconds = timeout.seconds
            duration.nanos = timeout.nanos
            message.additionalitemsreadytimeout = arena.object(duration)
        }
        return ProtobufC.pack(
            &message, size: v2__restore_item_action_execute_response__get_packed_size,
            pack: v2__restore_item_action_execute_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try ProtobufC.unpack(
            bytes, "RestoreItemActionExecuteResponse", unpack: v2__restore_item_action_execute_response__unpack,
            free: v2__restore_item_action_execute_response__free_unpacked
        ) { message in
            RestoreExecuteResponse(
                item: ProtobufC.binary(message.item),
                additionalItems: ProtobufC.identifiers(message.n_additionalitems, message.additionalitems),
                skipRestore: message.skiprestore != 0, operationID: ProtobufC.text(message.operationid),
                waitForAdditionalItems: message.waitforadditionalitems != 0,
                additionalItemsReadyTimeout: message.additionalitemsreadytimeout.map {
                    ProtoTime(seconds: $0.pointee.seconds, nanos: $0.pointee.nanos)
                })
        }
    }
}

extension ItemsReadyRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = V2__RestoreItemActionItemsReadyRequest()
        v2__restore_item_action_items_ready_request__init(&message)
        message.plugin = arena.string(plugin)
        message.restore = arena.bytes(restore)
        (message.n_additionalitems, message.additionalitems) = arena.identifiers(additionalItems)
        return ProtobufC.pack(
            &message, size: v2__restore_item_action_items_ready_request__get_packed_size,
            pack: v2__restore_item_action_items_ready_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try ProtobufC.unpack(
            bytes, "RestoreItemActionItemsReadyRequest", unpack: v2__restore_item_action_items_ready_request__unpack,
            free: v2__restore_item_action_items_ready_request__free_unpacked
        ) { message in
            ItemsReadyRequest(
                plugin: ProtobufC.text(message.plugin), restore: ProtobufC.binary(message.restore),
                additionalItems: ProtobufC.identifiers(message.n_additionalitems, message.additionalitems))
        }
    }
}

/// `v2.RestoreItemActionItemsReadyResponse`.
public enum ItemsReadyResponse {
    public static func encoded(ready: Bool) -> [UInt8] {
        var message = V2__RestoreItemActionItemsReadyResponse()
        v2__restore_item_action_items_ready_response__init(&message)
        message.ready = ready ? 1 : 0
        return ProtobufC.pack(
            &message, size: v2__restore_item_action_items_ready_response__get_packed_size,
            pack: v2__restore_item_action_items_ready_response__pack)
    }

    public static func decode(_ bytes: [UInt8]) throws -> Bool {
        try ProtobufC.unpack(
            bytes, "RestoreItemActionItemsReadyResponse", unpack: v2__restore_item_action_items_ready_response__unpack,
            free: v2__restore_item_action_items_ready_response__free_unpacked
        ) { $0.ready != 0 }
    }
}
