import Synchronization
import Testing
@testable import KubeVirtVeleroPlugin

/// `SharedLoads`: one load per key for all callers, kept on success, forgotten on failure.
@Suite("Shared loads")
struct SharedLoadsTests {
    struct Failure: Error {}

    final class Counter: Sendable {
        let loads = Mutex(0)
    }

    @Test("concurrent callers of a key share one load; a kept value is returned without loading again")
    func shared() async throws {
        let loads = SharedLoads<String, Int>()
        let count = Counter()
        let gate = Gate()
        let values = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await loads.value(for: "velero") {
                        count.loads.withLock { $0 += 1 }
                        await gate.wait()
                        return 42
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(50))
            await gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(values == Array(repeating: 42, count: 8))
        #expect(count.loads.withLock { $0 } == 1)
        #expect(try await loads.value(for: "velero") { 7 } == 42)
        #expect(try await loads.value(for: "openshift-adp") { 7 } == 7, "another key loads on its own")
    }

    @Test("a failed load reaches its caller and is not kept: the next caller loads again")
    func failureNotKept() async throws {
        let loads = SharedLoads<String, Int>()
        await #expect(throws: Failure.self) { try await loads.value(for: "k") { throw Failure() } }
        #expect(try await loads.value(for: "k") { 3 } == 3)
    }
}
