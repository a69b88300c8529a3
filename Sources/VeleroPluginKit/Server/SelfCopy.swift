#if canImport(Glibc)
import Glibc
#endif

/// `<plugin> --copy-to DIR`: what a plugin image's ENTRYPOINT does in Velero's and OADP's init containers —
/// copy the plugin executable into the shared `/target` volume (mode 0755) and exit 0. Works as any UID with a
/// read-only root filesystem; needs no shell or cp in the image.
enum SelfCopy {
    static let flag = "--copy-to"

    /// Returns the exit status (0 on success) after reporting on stderr.
    static func copy(into directory: String, name argv0: String) -> Int32 {
        let baseName = argv0.split(separator: "/").last.map(String.init) ?? "plugin"
        let destination = directory.hasSuffix("/") ? directory + baseName : directory + "/" + baseName
        let temporary = destination + ".partial"
        let source = open("/proc/self/exe", O_RDONLY | O_CLOEXEC)
        let input = source >= 0 ? source : open(argv0, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return report("cannot open the plugin executable: \(errorText())") }
        defer { close(input) }
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard output >= 0 else { return report("cannot create \(temporary): \(errorText())") }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 {
                close(output)
                unlink(temporary)
                return report("cannot read the plugin executable: \(errorText())")
            }
            if count == 0 { break }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, count - offset) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else {
                    close(output)
                    unlink(temporary)
                    return report("cannot write \(temporary): \(errorText())")
                }
                offset += written
            }
        }
        // The mode is set explicitly: the umask must not take away the execute bits the velero container needs.
        guard fchmod(output, 0o755) == 0, close(output) == 0, rename(temporary, destination) == 0 else {
            unlink(temporary)
            return report("cannot install \(destination): \(errorText())")
        }
        writeStandardError("copied \(baseName) to \(destination)\n")
        return 0
    }

    private static func report(_ message: String) -> Int32 {
        writeStandardError("\(flag): \(message)\n")
        return 1
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
