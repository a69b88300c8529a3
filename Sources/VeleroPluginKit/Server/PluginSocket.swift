#if canImport(Glibc)
import Glibc
#endif

/// The unix socket a plugin listens on (named as a Go plugin names it): `plugin<random uint32>` inside a private
/// directory (mode 0700, created with mkdtemp) under `$PLUGIN_UNIX_SOCKET_DIR`, else `$TMPDIR`, else `/tmp`. The
/// private directory keeps other users off the socket and means a second plugin process can never bind the same path.
struct PluginSocket: Sendable {
    let directory: String
    let path: String

    /// `sun_path` holds 108 bytes including the terminating NUL.
    static let maxPathBytes = 107

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func create(environment: [String: String]) throws -> PluginSocket {
        let base = [environment["PLUGIN_UNIX_SOCKET_DIR"], environment["TMPDIR"]]
            .compactMap { $0 }.first { !$0.isEmpty } ?? "/tmp"
        removeStale(in: base)
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast()) + Array("plugin-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw Failure(description: "cannot create a private socket directory in \(base): \(String(cString: strerror(errno)))")
        }
        let directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let path = "\(directory)/plugin\(UInt32.random(in: 0...UInt32.max))"
        guard path.utf8.count <= maxPathBytes else {
            rmdir(directory)
            throw Failure(description: "socket path \(path) is longer than \(maxPathBytes) bytes; set PLUGIN_UNIX_SOCKET_DIR to a shorter directory")
        }
        guard !path.contains("|") else {
            rmdir(directory)
            throw Failure(description: "socket path \(path) contains '|', which breaks the handshake line")
        }
        return PluginSocket(directory: directory, path: path)
    }

    /// With `PLUGIN_UNIX_SOCKET_GROUP` (a group name or numeric gid): the socket belongs to that group with mode
    /// 0660, and the private directory lets the group in (0750).
    func applyGroup(environment: [String: String]) throws {
        guard let group = environment["PLUGIN_UNIX_SOCKET_GROUP"], !group.isEmpty else { return }
        let gid: gid_t
        if let numeric = gid_t(group) {
            gid = numeric
        } else if let entry = getgrnam(group) {
            gid = entry.pointee.gr_gid
        } else {
            throw Failure(description: "PLUGIN_UNIX_SOCKET_GROUP=\(group): no such group")
        }
        guard chown(directory, uid_t.max, gid) == 0, chmod(directory, 0o750) == 0,
            chown(path, uid_t.max, gid) == 0, chmod(path, 0o660) == 0
        else {
            throw Failure(description: "cannot give the socket to group \(group): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes the socket file and its private directory (C core may already have removed the socket).
    func remove() {
        unlink(path)
        rmdir(directory)
    }

    /// Cleans up after plugin processes of this user that died without removing their socket (SIGKILL after a hung
    /// Shutdown, OOM, a crash — Velero restarts a crashed plugin up to 10 times): a `plugin-XXXXXX` directory of ours
    /// whose `plugin<n>` socket is at least 2 s old and refuses connections has no server behind it and is removed
    /// (a younger one may be an instance between bind and listen). A live socket answers
    /// the connect and is never touched, so a second instance cannot take a running plugin's socket; other users'
    /// directories and anything that is not exactly our layout are left alone.
    static func removeStale(in base: String) {
        guard let directory = opendir(base) else { return }
        var candidates: [String] = []
        while let entry = readdir(directory) {
            let name = Self.name(of: entry)
            if name.hasPrefix("plugin-"), name.utf8.count == 13 { candidates.append(base + "/" + name) }
        }
        closedir(directory)
        for candidate in candidates {
            var info = stat()
            guard lstat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR, info.st_uid == getuid() else { continue }
            guard let inner = opendir(candidate) else { continue }
            var names: [String] = []
            while let entry = readdir(inner) {
                let name = Self.name(of: entry)
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(inner)
            guard names.count == 1, names[0].hasPrefix("plugin"), UInt32(names[0].dropFirst(6)) != nil else { continue }
            let socketPath = candidate + "/" + names[0]
            // A socket younger than 2 s may belong to an instance starting right now, between bind and listen.
            guard lstat(socketPath, &info) == 0, (info.st_mode & S_IFMT) == S_IFSOCK, time(nil) - info.st_mtim.tv_sec >= 2,
                isRefusingConnections(socketPath)
            else { continue }
            unlink(socketPath)
            rmdir(candidate)
        }
    }

    /// A directory entry's name, read up to its NUL only: the kernel packs entries, so `d_name` is shorter than its
    /// declared 256 bytes and copying the whole field would read past the entry (AddressSanitizer caught that).
    static func name(of entry: UnsafeMutablePointer<dirent>) -> String {
        let offset = MemoryLayout<dirent>.offset(of: \dirent.d_name) ?? 0
        return String(cString: (UnsafeRawPointer(entry) + offset).assumingMemoryBound(to: CChar.self))
    }

    /// Whether connecting to the unix socket at `path` fails with ECONNREFUSED (nobody listens on it).
    static func isRefusingConnections(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        return result != 0 && errno == ECONNREFUSED
    }
}
