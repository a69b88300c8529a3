import CGRPCShim
import Glibc
import Testing

/// The static build's `arc4random` (glibc 2.36, wrapped for glibc 2.34) used to retry `getrandom` forever: under a
/// seccomp profile without the system call it would spin at 100 % CPU instead of serving. Now a failure other than
/// EINTR falls back to /dev/urandom.
nonisolated(unsafe) private var calls = 0

@Suite(.serialized) struct RandomFillTests {
    /// Fills `count` bytes from `source`; returns gs_random_fill's result, the bytes and how often `source` ran.
    func fill(_ count: Int, from source: gs_getrandom_fn) -> (result: Int32, bytes: [UInt8], calls: Int) {
        calls = 0
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { gs_random_fill($0.baseAddress, $0.count, source) }
        return (result, bytes, calls)
    }

    @Test func aGetrandomThatFailsFallsBackToDevURandom() {
        let run = fill(64) { _, _, _ in
            calls += 1
            errno = ENOSYS
            return -1
        }
        #expect(run.result == 0)
        #expect(run.calls == 1, "ENOSYS is not retried")
        #expect(run.bytes.contains { $0 != 0 }, "the bytes came from /dev/urandom")
    }

    @Test func interruptionsAreRetriedAndShortReadsAreContinued() {
        let run = fill(8) { target, _, _ in
            calls += 1
            if calls <= 2 {
                errno = EINTR
                return -1
            }
            target!.storeBytes(of: UInt8(calls), as: UInt8.self)
            return 1  // one byte per call
        }
        #expect(run.result == 0)
        #expect(run.calls == 10)
        #expect(run.bytes == [3, 4, 5, 6, 7, 8, 9, 10], "every byte came from the source, in order")
    }

    @Test func aSourceThatReturnsNothingFallsBackInsteadOfSpinning() {
        let run = fill(16) { _, _, _ in
            calls += 1
            return 0
        }
        #expect(run.result == 0)
        #expect(run.calls == 1)
    }
}
