import CGRPCShim

extension ListPluginsResponse {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        let items = plugins.map { plugin -> UnsafeMutablePointer<Generated__PluginIdentifier> in
            var message = Generated__PluginIdentifier()
            generated__plugin_identifier__init(&message)
            message.command = arena.string(plugin.command)
            message.kind = arena.string(plugin.kind)
            message.name = arena.string(plugin.name)
            return arena.object(message)
        }
        var message = Generated__ListPluginsResponse()
        generated__list_plugins_response__init(&message)
        message.n_plugins = items.count
        message.plugins = arena.pointers(items)
        return ProtobufC.pack(
            &message, size: generated__list_plugins_response__get_packed_size,
            pack: generated__list_plugins_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        plugins = try ProtobufC.unpack(
            bytes, "generated.ListPluginsResponse", unpack: generated__list_plugins_response__unpack,
            free: generated__list_plugins_response__free_unpacked
        ) { message in
            guard let array = message.plugins else { return [] }
            return (0..<message.n_plugins).compactMap { index in
                guard let plugin = array[index]?.pointee else { return nil }
                return PluginIdentifier(command: ProtobufC.text(plugin.command), kind: ProtobufC.text(plugin.kind), name: ProtobufC.text(plugin.name))
            }
        }
    }
}
