import CGRPCShim

extension GetRelatedItemsResponse {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = V1__ItemBlockActionGetRelatedItemsResponse()
        v1__item_block_action_get_related_items_response__init(&message)
        (message.n_relateditems, message.relateditems) = arena.identifiers(relatedItems)
        return ProtobufC.pack(
            &message, size: v1__item_block_action_get_related_items_response__get_packed_size,
            pack: v1__item_block_action_get_related_items_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        relatedItems = try ProtobufC.unpack(
            bytes, "ItemBlockActionGetRelatedItemsResponse",
            unpack: v1__item_block_action_get_related_items_response__unpack,
            free: v1__item_block_action_get_related_items_response__free_unpacked
        ) { ProtobufC.identifiers($0.n_relateditems, $0.relateditems) }
    }
}
