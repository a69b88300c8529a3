#if canImport(Glibc)
import Glibc
#endif

/// The unix socket a plugin listens on (protocol spec §2.2): `plugin<random uint32>` inside a private directory
/// (mode 0700, created with mkdtemp) under `$PLUGIN_UNIX_SOCKET_DIR`, else `$TMPDIR`, else `/tmp`. The private
/// directory keeps other users off the socket and means a second plugin process can never bind the same path.
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
}
