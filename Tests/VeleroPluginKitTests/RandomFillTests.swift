import CGRPCShim
import Glibc
import Testing

/// The static build's `arc4random` (glibc 2.36, wrapped for glibc 2.34) used to retry `getrandom` forever: under a
/// seccomp profile without the system call it would spin at 100 % CPU instead of serving. Now a failure other than
/// EINTR falls back to /dev/urandom.
nonisolated(unsafe) private var calls = 0

@Suite(.serialized) struct RandomFillTests {
    @Test func aGetrandomThatFailsFallsBackToDevURandom() {
        calls = 0
        var bytes = [UInt8](repeating: 0, count: 64)
        let result = bytes.withUnsafeMutableBytes { buffer in
            gs_random_fill(buffer.baseAddress, buffer.count) { _, _, _ in
                calls += 1
                errno = ENOSYS
                return -1
            }
        }
        #expect(result == 0)
        #expect(calls == 1, "ENOSYS is not retried")
        #expect(bytes.contains { $0 != 0 }, "the bytes came from /dev/urandom")
    }

    @Test func interruptionsAreRetriedAndShortReadsAreContinued() {
        calls = 0
        var bytes = [UInt8](repeating: 0, count: 8)
        let result = bytes.withUnsafeMutableBytes { buffer in
            gs_random_fill(buffer.baseAddress, buffer.count) { target, _, _ in
                calls += 1
                if calls <= 2 {
                    errno = EINTR
                    return -1
                }
                target!.storeBytes(of: UInt8(calls), as: UInt8.self)
                return 1  // one byte per call
            }
        }
        #expect(result == 0)
        #expect(calls == 10)
        #expect(bytes == [3, 4, 5, 6, 7, 8, 9, 10], "every byte came from the source, in order")
    }

    @Test func aSourceThatReturnsNothingFallsBackInsteadOfSpinning() {
        calls = 0
        var bytes = [UInt8](repeating: 0, count: 16)
        let result = bytes.withUnsafeMutableBytes { buffer in
            gs_random_fill(buffer.baseAddress, buffer.count) { _, _, _ in
                calls += 1
                return 0
            }
        }
        #expect(result == 0)
        #expect(calls == 1)
    }
}
