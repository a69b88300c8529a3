/// The API server's rules for the parts of an object that become file names in a backup directory
/// (`resources/<plural.group>/namespaces/<namespace>/<name>.json`). A manifest breaking them could never have come
/// from a cluster, and `../x` as a name would write outside `--output`: such objects are refused when read, and the
/// backup writer checks again before it makes a path.
public enum ObjectNames {
    /// Why `name` is not a valid object name, or `nil`. Every resource's names are at least path segments
    /// (apimachinery's `ValidatePathSegmentName`: not `.` or `..`, no `/` or `%`); most resources also require a
    /// DNS subdomain, which is stricter. Names longer than 253 bytes are refused by every built-in resource.
    public static func problem(name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name == "." || name == ".." { return "may not be '.' or '..'" }
        if name.contains("/") || name.contains("%") { return "may not contain '/' or '%'" }
        if name.utf8.count > 253 { return "is longer than 253 bytes" }
        if name.utf8.contains(0) { return "contains a NUL byte" }
        return nil
    }

    /// Why `namespace` is not a valid namespace name (a DNS label: at most 63 lowercase letters, digits and '-',
    /// starting and ending with a letter or digit), or `nil`.
    public static func problem(namespace: String) -> String? {
        let bytes = Array(namespace.utf8)
        guard !bytes.isEmpty, bytes.count <= 63 else { return "must be 1 to 63 characters" }
        let allowed = bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        guard allowed, isLowerAlphanumeric(bytes.first!), isLowerAlphanumeric(bytes.last!) else {
            return "must be lowercase letters, digits and '-', starting and ending with a letter or digit"
        }
        return nil
    }

    /// Why `kind` is not a kind (an identifier such as `VirtualMachine`), or `nil`.
    public static func problem(kind: String) -> String? {
        guard let first = kind.utf8.first, isLetter(first), kind.utf8.allSatisfy({ isLetter($0) || isDigit($0) }) else {
            return "must be letters and digits, starting with a letter"
        }
        return nil
    }

    /// Why `apiVersion` is not `version` or `group/version` with a DNS-subdomain group, or `nil`.
    public static func problem(apiVersion: String) -> String? {
        let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let version = parts.last, !version.isEmpty,
            version.utf8.allSatisfy(isLowerAlphanumeric)
        else { return "must be VERSION or GROUP/VERSION" }
        if parts.count == 2 {
            let group = Array(parts[0].utf8)
            let valid = !group.isEmpty && group.count <= 253
                && group.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
                && isLowerAlphanumeric(group.first!) && isLowerAlphanumeric(group.last!)
            if !valid { return "has a group that is not a DNS subdomain" }
        }
        return nil
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || isDigit(byte)
    }
}
