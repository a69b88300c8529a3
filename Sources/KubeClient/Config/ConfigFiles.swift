#if canImport(Glibc)
import Glibc
#endif

/// Small file helpers for configuration (no Foundation file APIs: the plugin runs with a read-only root and an
/// arbitrary UID, so errors must say exactly which file and why).
enum ConfigFiles {
    struct ReadError: Error, CustomStringConvertible {
        var path: String
        var reason: String
        var description: String { "cannot read \(path): \(reason)" }
    }

    static func read(_ path: String, limit: Int = 16 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw ReadError(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            result.append(contentsOf: buffer[0..<count])
            if result.count > limit { throw ReadError(path: path, reason: "larger than \(limit) bytes") }
        }
        return result
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// Modification time in nanoseconds, or nil.
    static func modificationTime(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }

    /// `path` resolved against the directory of `file` when relative (kubeconfig paths are relative to the file).
    static func resolve(_ path: String, relativeTo file: String) -> String {
        guard !path.hasPrefix("/"), let slash = file.lastIndex(of: "/") else { return path }
        return String(file[...slash]) + path
    }

    static func trimmed(_ bytes: [UInt8]) -> String {
        var text = String(decoding: bytes, as: UTF8.self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        while let first = text.first, first.isWhitespace { text.removeFirst() }
        return text
    }
}
