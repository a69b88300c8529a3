import CGRPCShim

extension AppliesToRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Generated__BackupItemActionAppliesToRequest()
        generated__backup_item_action_applies_to_request__init(&message)
        message.plugin = arena.string(plugin)
        return ProtobufC.pack(
            &message, size: generated__backup_item_action_applies_to_request__get_packed_size,
            pack: generated__backup_item_action_applies_to_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        plugin = try ProtobufC.unpack(
            bytes, "AppliesToRequest", unpack: generated__backup_item_action_applies_to_request__unpack,
            free: generated__backup_item_action_applies_to_request__free_unpacked
        ) { ProtobufC.text($0.plugin) }
    }
}

extension AppliesToResponse {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Generated__BackupItemActionAppliesToResponse()
        generated__backup_item_action_applies_to_response__init(&message)
        if let selector { message.resourceselector = arena.selector(selector) }
        return ProtobufC.pack(
            &message, size: generated__backup_item_action_applies_to_response__get_packed_size,
            pack: generated__backup_item_action_applies_to_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        selector = try ProtobufC.unpack(
            bytes, "AppliesToResponse", unpack: generated__backup_item_action_applies_to_response__unpack,
            free: generated__backup_item_action_applies_to_response__free_unpacked
        ) { ProtobufC.decodeSelector($0.resourceselector) }
    }
}
