import CGRPCShim

#if canImport(Glibc)
import Glibc
#endif

/// Owns the C memory a protobuf-c message points into until the message has been packed: a bump allocator over
/// 4 KiB chunks, so a response with dozens of strings costs a malloc or two instead of one per string and pointer.
final class CArena {
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
