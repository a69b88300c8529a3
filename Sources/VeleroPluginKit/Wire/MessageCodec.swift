import CGRPCShim

#if canImport(Glibc)
import Glibc
#endif

// The one place that touches protobuf-c: an `encoded()` and a `init(decoding:)` per message type.
//
// Where several proto messages share a field layout, one proto message stands for all of them — their encodings are
// byte-identical (proto3 omits default values, so a v1 response written through the v2 superset message is the v1
// encoding as long as the v2-only fields stay empty):
//   generated.ExecuteRequest      = v2.ExecuteRequest = v1.ItemBlockActionGetRelatedItemsRequest
//   v2.ExecuteResponse            ⊇ generated.ExecuteResponse
//   v2.RestoreItemActionExecute*  ⊇ generated.RestoreItemActionExecute*
//   generated.BackupItemActionAppliesTo* = every other AppliesTo request/response
//   v2.BackupItemActionProgressRequest = every Progress/Cancel request of both v2 services

// MARK: - Encoding support

/// Owns the C memory a protobuf-c message points into until the message has been packed: a bump allocator over
/// 4 KiB chunks, so a response with dozens of strings costs a malloc or two instead of one per string and pointer.
private final class CArena {
    private static let chunkSize = 4096
    private var chunks: [UnsafeMutableRawPointer] = []
    private var cursor: UnsafeMutableRawPointer?
    private var remaining = 0

    deinit { for chunk in chunks { free(chunk) } }

    /// `byteCount` bytes aligned to `alignment` (a power of two ≤ 16, which malloc's chunks already satisfy).
    private func allocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
        if let cursor {
            let padding = (alignment - Int(bitPattern: cursor) & (alignment - 1)) & (alignment - 1)
            if padding + byteCount <= remaining {
                let start = cursor + padding
                self.cursor = start + byteCount
                remaining -= padding + byteCount
                return start
            }
        }
        let size = max(Self.chunkSize, byteCount)
        guard let chunk = malloc(size) else { fatalError("out of memory encoding a response") }
        chunks.append(chunk)
        cursor = chunk + byteCount
        remaining = size - byteCount
        return chunk
    }

    /// A NUL-terminated copy (C readers stop at the first NUL, as with strdup).
    func string(_ value: String) -> UnsafeMutablePointer<CChar> {
        var text = value
        return text.withUTF8 { bytes in
            let copy = allocate(byteCount: bytes.count + 1, alignment: 1)
            if let base = bytes.baseAddress { copy.copyMemory(from: base, byteCount: bytes.count) }
            copy.storeBytes(of: 0, toByteOffset: bytes.count, as: UInt8.self)
            return copy.bindMemory(to: CChar.self, capacity: bytes.count + 1)
        }
    }

    func strings(_ values: [String]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
        guard !values.isEmpty else { return nil }
        let array = allocate(
            byteCount: values.count * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride,
            alignment: MemoryLayout<UnsafeMutablePointer<CChar>?>.alignment
        ).bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: values.count)
        for (index, value) in values.enumerated() { array[index] = string(value) }
        return array
    }

    func bytes(_ value: [UInt8]) -> ProtobufCBinaryData {
        guard !value.isEmpty else { return ProtobufCBinaryData(len: 0, data: nil) }
        let copy = allocate(byteCount: value.count, alignment: 1)
        value.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: value.count) }
        return ProtobufCBinaryData(len: value.count, data: copy.bindMemory(to: UInt8.self, capacity: value.count))
    }

    /// A copy of a C message struct (trivial: nothing to deinitialise).
    func object<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let pointer = allocate(byteCount: MemoryLayout<T>.stride, alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: 1)
        pointer.initialize(to: value)
        return pointer
    }

    func pointers<T>(_ values: [UnsafeMutablePointer<T>]) -> UnsafeMutablePointer<UnsafeMutablePointer<T>?>? {
        guard !values.isEmpty else { return nil }
        let array = allocate(
            byteCount: values.count * MemoryLayout<UnsafeMutablePointer<T>?>.stride,
            alignment: MemoryLayout<UnsafeMutablePointer<T>?>.alignment
        ).bindMemory(to: UnsafeMutablePointer<T>?.self, capacity: values.count)
        for (index, value) in values.enumerated() { array[index] = value }
        return array
    }

    func identifiers(_ values: [ResourceIdentifier])
        -> (Int, UnsafeMutablePointer<UnsafeMutablePointer<Generated__ResourceIdentifier>?>?)
    {
        let items = values.map { id -> UnsafeMutablePointer<Generated__ResourceIdentifier> in
            var message = Generated__ResourceIdentifier()
            generated__resource_identifier__init(&message)
            message.group = string(id.group)
            message.resource = string(id.resource)
            message.namespace_ = string(id.namespace)
            message.name = string(id.name)
            return object(message)
        }
        return (items.count, pointers(items))
    }

    func selector(_ value: ResourceSelector) -> UnsafeMutablePointer<Generated__ResourceSelector> {
        var message = Generated__ResourceSelector()
        generated__resource_selector__init(&message)
        message.n_includednamespaces = value.includedNamespaces.count
        message.includednamespaces = strings(value.includedNamespaces)
        message.n_excludednamespaces = value.excludedNamespaces.count
        message.excludednamespaces = strings(value.excludedNamespaces)
        message.n_includedresources = value.includedResources.count
        message.includedresources = strings(value.includedResources)
        message.n_excludedresources = value.excludedResources.count
        message.excludedresources = strings(value.excludedResources)
        message.selector = string(value.selector)
        return object(message)
    }

    func timestamp(_ value: ProtoTime) -> UnsafeMutablePointer<Google__Protobuf__Timestamp> {
        var message = Google__Protobuf__Timestamp()
        google__protobuf__timestamp__init(&message)
        message.seconds = value.seconds
        message.nanos = value.nanos
        return object(message)
    }
}

private func pack<M>(
    _ message: inout M, size: (UnsafePointer<M>?) -> Int, pack: (UnsafePointer<M>?, UnsafeMutablePointer<UInt8>?) -> Int
) -> [UInt8] {
    withUnsafePointer(to: &message) { pointer in
        let count = size(pointer)
        guard count > 0 else { return [] }
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = pack(pointer, buffer.baseAddress)
        }
    }
}

// MARK: - Decoding support

private func unpack<M, R>(
    _ bytes: [UInt8], _ name: String,
    unpack: (UnsafeMutablePointer<ProtobufCAllocator>?, Int, UnsafePointer<UInt8>?) -> UnsafeMutablePointer<M>?,
    free: (UnsafeMutablePointer<M>?, UnsafeMutablePointer<ProtobufCAllocator>?) -> Void,
    _ read: (M) -> R
) throws -> R {
    var spare: UInt8 = 0
    let message: UnsafeMutablePointer<M>? = bytes.withUnsafeBufferPointer { buffer in
        if let base = buffer.baseAddress { return unpack(nil, buffer.count, base) }
        return withUnsafePointer(to: &spare) { unpack(nil, 0, $0) }
    }
    guard let message else {
        throw WireDecodingError("cannot decode \(name): invalid protobuf encoding (\(bytes.count) bytes)")
    }
    defer { free(message, nil) }
    return read(message.pointee)
}

private func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    return String(cString: pointer)
}

private func texts(_ count: Int, _ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
    guard let array, count > 0 else { return [] }
    return (0..<count).map { text(array[$0]) }
}

private func binary(_ data: ProtobufCBinaryData) -> [UInt8] {
    guard let base = data.data, data.len > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: base, count: data.len))
}

private func identifiers(
    _ count: Int, _ array: UnsafeMutablePointer<UnsafeMutablePointer<Generated__ResourceIdentifier>?>?
) -> [ResourceIdentifier] {
    guard let array, count > 0 else { return [] }
    return (0..<count).compactMap { index in
        guard let id = array[index]?.pointee else { return nil }
        return ResourceIdentifier(
            group: text(id.group), resource: text(id.resource), namespace: text(id.namespace_), name: text(id.name))
    }
}

private func decodeSelector(_ pointer: UnsafeMutablePointer<Generated__ResourceSelector>?) -> ResourceSelector? {
    guard let message = pointer?.pointee else { return nil }
    return ResourceSelector(
        includedNamespaces: texts(message.n_includednamespaces, message.includednamespaces),
        excludedNamespaces: texts(message.n_excludednamespaces, message.excludednamespaces),
        includedResources: texts(message.n_includedresources, message.includedresources),
        excludedResources: texts(message.n_excludedresources, message.excludedresources),
        selector: text(message.selector))
}

private func time(_ pointer: UnsafeMutablePointer<Google__Protobuf__Timestamp>?) -> ProtoTime? {
    guard let message = pointer?.pointee else { return nil }
    return ProtoTime(seconds: message.seconds, nanos: message.nanos)
}

// MARK: - Messages

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
        return pack(
            &message, size: generated__list_plugins_response__get_packed_size,
            pack: generated__list_plugins_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        plugins = try unpack(
            bytes, "generated.ListPluginsResponse", unpack: generated__list_plugins_response__unpack,
            free: generated__list_plugins_response__free_unpacked
        ) { message in
            guard let array = message.plugins else { return [] }
            return (0..<message.n_plugins).compactMap { index in
                guard let plugin = array[index]?.pointee else { return nil }
                return PluginIdentifier(command: text(plugin.command), kind: text(plugin.kind), name: text(plugin.name))
            }
        }
    }
}

extension AppliesToRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Generated__BackupItemActionAppliesToRequest()
        generated__backup_item_action_applies_to_request__init(&message)
        message.plugin = arena.string(plugin)
        return pack(
            &message, size: generated__backup_item_action_applies_to_request__get_packed_size,
            pack: generated__backup_item_action_applies_to_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        plugin = try unpack(
            bytes, "AppliesToRequest", unpack: generated__backup_item_action_applies_to_request__unpack,
            free: generated__backup_item_action_applies_to_request__free_unpacked
        ) { text($0.plugin) }
    }
}

extension AppliesToResponse {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Generated__BackupItemActionAppliesToResponse()
        generated__backup_item_action_applies_to_response__init(&message)
        if let selector { message.resourceselector = arena.selector(selector) }
        return pack(
            &message, size: generated__backup_item_action_applies_to_response__get_packed_size,
            pack: generated__backup_item_action_applies_to_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        selector = try unpack(
            bytes, "AppliesToResponse", unpack: generated__backup_item_action_applies_to_response__unpack,
            free: generated__backup_item_action_applies_to_response__free_unpacked
        ) { decodeSelector($0.resourceselector) }
    }
}

extension BackupExecuteRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Generated__ExecuteRequest()
        generated__execute_request__init(&message)
        message.plugin = arena.string(plugin)
        message.item = arena.bytes(item)
        message.backup = arena.bytes(backup)
        return pack(&message, size: generated__execute_request__get_packed_size, pack: generated__execute_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try unpack(
            bytes, "ExecuteRequest", unpack: generated__execute_request__unpack,
            free: generated__execute_request__free_unpacked
        ) { message in
            BackupExecuteRequest(
                plugin: text(message.plugin), item: binary(message.item),
                backup: binary(message.backup))
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
        return pack(&message, size: v2__execute_response__get_packed_size, pack: v2__execute_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try unpack(
            bytes, "ExecuteResponse", unpack: v2__execute_response__unpack, free: v2__execute_response__free_unpacked
        ) { message in
            BackupExecuteResponse(
                item: binary(message.item),
                additionalItems: identifiers(message.n_additionalitems, message.additionalitems),
                operationID: text(message.operationid),
                postOperationItems: identifiers(message.n_postoperationitems, message.postoperationitems))
        }
    }
}

extension RestoreExecuteRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Generated__RestoreItemActionExecuteRequest()
        generated__restore_item_action_execute_request__init(&message)
        message.plugin = arena.string(plugin)
        message.item = arena.bytes(item)
        message.restore = arena.bytes(restore)
        message.itemfrombackup = arena.bytes(itemFromBackup)
        return pack(
            &message, size: generated__restore_item_action_execute_request__get_packed_size,
            pack: generated__restore_item_action_execute_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try unpack(
            bytes, "RestoreItemActionExecuteRequest", unpack: generated__restore_item_action_execute_request__unpack,
            free: generated__restore_item_action_execute_request__free_unpacked
        ) { message in
            RestoreExecuteRequest(
                plugin: text(message.plugin), item: binary(message.item),
                restore: binary(message.restore),
                itemFromBackup: binary(message.itemfrombackup))
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
        return pack(
            &message, size: v2__restore_item_action_execute_response__get_packed_size,
            pack: v2__restore_item_action_execute_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try unpack(
            bytes, "RestoreItemActionExecuteResponse", unpack: v2__restore_item_action_execute_response__unpack,
            free: v2__restore_item_action_execute_response__free_unpacked
        ) { message in
            RestoreExecuteResponse(
                item: binary(message.item),
                additionalItems: identifiers(message.n_additionalitems, message.additionalitems),
                skipRestore: message.skiprestore != 0, operationID: text(message.operationid),
                waitForAdditionalItems: message.waitforadditionalitems != 0,
                additionalItemsReadyTimeout: message.additionalitemsreadytimeout.map {
                    ProtoTime(seconds: $0.pointee.seconds, nanos: $0.pointee.nanos)
                })
        }
    }
}

extension OperationRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = V2__BackupItemActionProgressRequest()
        v2__backup_item_action_progress_request__init(&message)
        message.plugin = arena.string(plugin)
        message.operationid = arena.string(operationID)
        message.backup = arena.bytes(payload)
        return pack(
            &message, size: v2__backup_item_action_progress_request__get_packed_size,
            pack: v2__backup_item_action_progress_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try unpack(
            bytes, "OperationRequest", unpack: v2__backup_item_action_progress_request__unpack,
            free: v2__backup_item_action_progress_request__free_unpacked
        ) { message in
            OperationRequest(
                plugin: text(message.plugin), operationID: text(message.operationid),
                payload: binary(message.backup))
        }
    }
}

extension OperationProgress {
    /// Encodes the `v2.…ProgressResponse` wrapping this progress; `progress` is always present (Velero
    /// dereferences it without a check).
    public func encodedResponse() -> [UInt8] {
        let arena = CArena()
        var progress = Generated__OperationProgress()
        generated__operation_progress__init(&progress)
        progress.completed = completed ? 1 : 0
        progress.err = arena.string(err)
        progress.ncompleted = nCompleted
        progress.ntotal = nTotal
        progress.operationunits = arena.string(operationUnits)
        progress.description = arena.string(description)
        progress.started = arena.timestamp(started)
        progress.updated = arena.timestamp(updated)
        var message = V2__BackupItemActionProgressResponse()
        v2__backup_item_action_progress_response__init(&message)
        message.progress = arena.object(progress)
        return pack(
            &message, size: v2__backup_item_action_progress_response__get_packed_size,
            pack: v2__backup_item_action_progress_response__pack)
    }

    public init(decodingResponse bytes: [UInt8]) throws {
        self = try unpack(
            bytes, "ProgressResponse", unpack: v2__backup_item_action_progress_response__unpack,
            free: v2__backup_item_action_progress_response__free_unpacked
        ) { message in
            guard let p = message.progress?.pointee else { return OperationProgress() }
            return OperationProgress(
                completed: p.completed != 0, err: text(p.err), nCompleted: p.ncompleted, nTotal: p.ntotal,
                operationUnits: text(p.operationunits), description: text(p.description),
                started: time(p.started) ?? ProtoTime(seconds: 0), updated: time(p.updated) ?? ProtoTime(seconds: 0))
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
        return pack(
            &message, size: v2__restore_item_action_items_ready_request__get_packed_size,
            pack: v2__restore_item_action_items_ready_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try unpack(
            bytes, "RestoreItemActionItemsReadyRequest", unpack: v2__restore_item_action_items_ready_request__unpack,
            free: v2__restore_item_action_items_ready_request__free_unpacked
        ) { message in
            ItemsReadyRequest(
                plugin: text(message.plugin), restore: binary(message.restore),
                additionalItems: identifiers(message.n_additionalitems, message.additionalitems))
        }
    }
}

/// `v2.RestoreItemActionItemsReadyResponse`.
public enum ItemsReadyResponse {
    public static func encoded(ready: Bool) -> [UInt8] {
        var message = V2__RestoreItemActionItemsReadyResponse()
        v2__restore_item_action_items_ready_response__init(&message)
        message.ready = ready ? 1 : 0
        return pack(
            &message, size: v2__restore_item_action_items_ready_response__get_packed_size,
            pack: v2__restore_item_action_items_ready_response__pack)
    }

    public static func decode(_ bytes: [UInt8]) throws -> Bool {
        try unpack(
            bytes, "RestoreItemActionItemsReadyResponse", unpack: v2__restore_item_action_items_ready_response__unpack,
            free: v2__restore_item_action_items_ready_response__free_unpacked
        ) { $0.ready != 0 }
    }
}

extension GetRelatedItemsResponse {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = V1__ItemBlockActionGetRelatedItemsResponse()
        v1__item_block_action_get_related_items_response__init(&message)
        (message.n_relateditems, message.relateditems) = arena.identifiers(relatedItems)
        return pack(
            &message, size: v1__item_block_action_get_related_items_response__get_packed_size,
            pack: v1__item_block_action_get_related_items_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        relatedItems = try unpack(
            bytes, "ItemBlockActionGetRelatedItemsResponse",
            unpack: v1__item_block_action_get_related_items_response__unpack,
            free: v1__item_block_action_get_related_items_response__free_unpacked
        ) { identifiers($0.n_relateditems, $0.relateditems) }
    }
}

extension HealthCheckRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = Grpc__Health__V1__HealthCheckRequest()
        grpc__health__v1__health_check_request__init(&message)
        message.service = arena.string(service)
        return pack(
            &message, size: grpc__health__v1__health_check_request__get_packed_size,
            pack: grpc__health__v1__health_check_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        service = try unpack(
            bytes, "grpc.health.v1.HealthCheckRequest", unpack: grpc__health__v1__health_check_request__unpack,
            free: grpc__health__v1__health_check_request__free_unpacked
        ) { text($0.service) }
    }
}

extension HealthCheckResponse {
    public func encoded() -> [UInt8] {
        var message = Grpc__Health__V1__HealthCheckResponse()
        grpc__health__v1__health_check_response__init(&message)
        message.status = Grpc__Health__V1__HealthCheckResponse__ServingStatus(rawValue: UInt32(bitPattern: status))
        return pack(
            &message, size: grpc__health__v1__health_check_response__get_packed_size,
            pack: grpc__health__v1__health_check_response__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        status = try unpack(
            bytes, "grpc.health.v1.HealthCheckResponse", unpack: grpc__health__v1__health_check_response__unpack,
            free: grpc__health__v1__health_check_response__free_unpacked
        ) { Int32(bitPattern: $0.status.rawValue) }
    }
}

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
        return pack(&message, size: generated__stack__get_packed_size, pack: generated__stack__pack)
    }

    public static func decode(_ bytes: [UInt8]) throws -> [StackFrame] {
        try unpack(bytes, "generated.Stack", unpack: generated__stack__unpack, free: generated__stack__free_unpacked) {
            message in
            guard let array = message.frames else { return [] }
            return (0..<message.n_frames).compactMap { index in
                guard let frame = array[index]?.pointee else { return nil }
                return StackFrame(file: text(frame.file), line: frame.line, function: text(frame.function))
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
        return pack(&message, size: google__rpc__status__get_packed_size, pack: google__rpc__status__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try unpack(
            bytes, "google.rpc.Status", unpack: google__rpc__status__unpack, free: google__rpc__status__free_unpacked
        ) { message in
            var details: [AnyMessage] = []
            if let array = message.details {
                for index in 0..<message.n_details {
                    guard let any = array[index]?.pointee else { continue }
                    details.append(AnyMessage(typeURL: text(any.type_url), value: binary(any.value)))
                }
            }
            return RPCStatus(code: message.code, message: text(message.message), details: details)
        }
    }
}
