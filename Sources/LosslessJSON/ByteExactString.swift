/// Object keys and string values compare as Go, Kubernetes and etcd compare them: by their UTF-8 bytes. Swift's
/// `String ==` (and `String` hashing) follows Unicode canonical equivalence, which treats `"é"` written as one code
/// point (U+00E9) and as two (`e` U+0301) as the same string: a parser keyed by `String` would merge two keys Go
/// keeps apart, losing one member.
extension String {
    /// Whether both strings have exactly the same UTF-8 bytes.
    @inline(__always)
    func hasSameBytes(as other: String) -> Bool {
        let lhs = utf8, rhs = other.utf8
        guard lhs.count == rhs.count else { return false }
        let fast = lhs.withContiguousStorageIfAvailable { a in
            rhs.withContiguousStorageIfAvailable { b in
                var index = 0
                while index < a.count {
                    if a[index] != b[index] { return false }
                    index += 1
                }
                return true
            }
        }
        if let fast, let result = fast { return result }
        return lhs.elementsEqual(rhs)
    }
}

/// A `String` hashed and compared by its UTF-8 bytes, for tables keyed by object keys.
struct ByteExactKey: Hashable {
    let string: String

    init(_ string: String) { self.string = string }

    static func == (lhs: ByteExactKey, rhs: ByteExactKey) -> Bool { lhs.string.hasSameBytes(as: rhs.string) }

    func hash(into hasher: inout Hasher) {
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        if hashed == nil {
            for byte in string.utf8 { hasher.combine(byte) }
        }
    }
}
