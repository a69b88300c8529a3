#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` on a new detached thread of its own, outside Swift's and Dispatch's thread pools. For work that
/// blocks (a reader waiting on a pipe for the life of the process, file reads and thread creation while preparing
/// a client): on such a pool it would hold one of the few worker threads (one per core) and could wait behind, or
/// delay, the calls the plugin serves. Returns false if the thread could not be created (the work is not run).
@discardableResult
func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Bool {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    defer { pthread_attr_destroy(&attributes) }
    pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
    let created = pthread_create(&thread, &attributes, { context in
        guard let context else { return nil }
        let box = Unmanaged<Box>.fromOpaque(context).takeRetainedValue()
        box.body()
        return nil
    }, box)
    if created != 0 {
        Unmanaged<Box>.fromOpaque(box).release()
        return false
    }
    return true
}
