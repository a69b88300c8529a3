#if canImport(Glibc)
import Glibc
#endif

/// Writes with write(2), unbuffered: the handshake must reach the host at once (go-plugin waits 60 s for it).
func writeStandardOutput(_ text: String) { writeAll(1, Array(text.utf8)) }
func writeStandardError(_ text: String) { writeAll(2, Array(text.utf8)) }

private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    bytes.withUnsafeBufferPointer { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 && errno == EINTR { continue }
            if written <= 0 { return }
            offset += written
        }
    }
}
