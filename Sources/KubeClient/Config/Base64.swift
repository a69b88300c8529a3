/// Standard base64 (RFC 4648 §4, padded), as kubeconfig `*-data` fields and Basic proxy credentials use it. Written
/// here so the client needs no Foundation.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    static func encode(_ bytes: some Collection<UInt8>) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var index = 0
        while index < input.count {
            let count = min(3, input.count - index)
            let b0 = input[index], b1 = count > 1 ? input[index + 1] : 0, b2 = count > 2 ? input[index + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(count > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(count > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The decoded bytes, or `nil` when `text` is not padded base64 of the standard alphabet (like Go's
    /// `StdEncoding`, which client-go uses for `*-data`).
    static func decode(_ text: String) -> [UInt8]? {
        let input = Array(text.utf8)
        guard input.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var index = 0
        while index < input.count {
            let isLast = index + 4 == input.count
            let padding = isLast ? input[(index + 2)...].filter { $0 == UInt8(ascii: "=") }.count : 0
            if isLast, padding == 1, input[index + 3] != UInt8(ascii: "=") { return nil }
            var quad: [UInt8] = []
            for offset in 0..<(4 - padding) {
                let value = values[Int(input[index + offset])]
                guard value != 0xFF else { return nil }
                quad.append(value)
            }
            out.append(quad[0] << 2 | quad[1] >> 4)
            if quad.count > 2 { out.append(quad[1] << 4 | quad[2] >> 2) }
            if quad.count > 3 { out.append(quad[2] << 6 | quad[3]) }
            index += 4
        }
        return out
    }
}
