import Synchronization

/// A C handle of the shim (server, call, channel, stream) owned by Swift and usable from any thread: the shim's
/// functions that take one are thread-safe (Sources/CGRPCShim/include/gs_shim.h). `take` hands the handle to exactly
/// one caller, the one that answers or releases it; later calls get `nil`.
package final class CHandle: Sendable {
    private struct Raw: @unchecked Sendable { let pointer: OpaquePointer }
    private let slot: Mutex<Raw?>

    package init(_ pointer: OpaquePointer? = nil) {
        slot = Mutex(pointer.map(Raw.init))
    }

    /// Sets the handle of a box made empty (the object it belongs to exists before its C side does).
    package func store(_ pointer: OpaquePointer) {
        slot.withLock { $0 = Raw(pointer: pointer) }
    }

    /// The handle, still owned by the box.
    package func peek() -> OpaquePointer? { slot.withLock { $0?.pointer } }

    package func take() -> OpaquePointer? {
        slot.withLock { value in
            defer { value = nil }
            return value?.pointer
        }
    }
}
