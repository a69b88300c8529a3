import CGRPCShim

#if canImport(Glibc)
import Glibc
#endif

// The one place that touches protobuf-c: an `encoded()` and an `init(decoding:)` per message type, one file per
// service under Codecs/, over the helpers here (packing, unpacking, C strings and arrays) and `CArena`.
//
// Where several proto messages share a field layout, one proto message stands for all of them — their encodings are
// byte-identical (proto3 omits default values, so a v1 response written through the v2 superset message is the v1
// encoding as long as the v2-only fields stay empty):
//   generated.ExecuteRequest      = v2.ExecuteRequest = v1.ItemBlockActionGetRelatedItemsRequest
//   v2.ExecuteResponse            ⊇ generated.ExecuteResponse
//   v2.RestoreItemActionExecute*  ⊇ generated.RestoreItemActionExecute*
//   generated.BackupItemActionAppliesTo* = every other AppliesTo request/response
//   v2.BackupItemActionProgressRequest = every Progress/Cancel request of both v2 services

/// Packing and unpacking protobuf-c messages, and reading their C fields as Swift values.
enum ProtobufC {
    static func pack<M>(
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


    static func unpack<M, R>(
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

    static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
        guard let pointer else { return "" }
        return String(cString: pointer)
    }

    static func texts(_ count: Int, _ array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> [String] {
        guard let array, count > 0 else { return [] }
        return (0..<count).map { text(array[$0]) }
    }

    static func binary(_ data: ProtobufCBinaryData) -> [UInt8] {
        guard let base = data.data, data.len > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    static func identifiers(
        _ count: Int, _ array: UnsafeMutablePointer<UnsafeMutablePointer<Generated__ResourceIdentifier>?>?
    ) -> [ResourceIdentifier] {
        guard let array, count > 0 else { return [] }
        return (0..<count).compactMap { index in
            guard let id = array[index]?.pointee else { return nil }
            return ResourceIdentifier(
                group: text(id.group), resource: text(id.resource), namespace: text(id.namespace_), name: text(id.name))
        }
    }

    static func decodeSelector(_ pointer: UnsafeMutablePointer<Generated__ResourceSelector>?) -> ResourceSelector? {
        guard let message = pointer?.pointee else { return nil }
        return ResourceSelector(
            includedNamespaces: texts(message.n_includednamespaces, message.includednamespaces),
            excludedNamespaces: texts(message.n_excludednamespaces, message.excludednamespaces),
            includedResources: texts(message.n_includedresources, message.includedresources),
            excludedResources: texts(message.n_excludedresources, message.excludedresources),
            selector: text(message.selector))
    }

    static func time(_ pointer: UnsafeMutablePointer<Google__Protobuf__Timestamp>?) -> ProtoTime? {
        guard let message = pointer?.pointee else { return nil }
        return ProtoTime(seconds: message.seconds, nanos: message.nanos)
    }
}
