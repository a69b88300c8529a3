import LosslessJSON
import Synchronization

/// One LIST result of a namespace with lookup tables built from it on first use, so a lookup by name, launcher
/// domain or label costs a hash probe instead of a scan: a backup of N VMs in a namespace then does N probes into
/// one table rather than N scans of N objects (quadratic: 10⁸ comparisons at 10,000 VMs).
final class ListedObjects: Sendable {
    /// What a table is keyed by; each key picks at most one string per object.
    enum Key: Hashable, Sendable {
        case name
        case annotation(String)
        case label(String)

        func value(of object: JSONValue) -> String? {
            switch self {
            case .name: try? object.string(at: ["metadata", "name"])
            case .annotation(let key): try? object.string(at: ["metadata", "annotations", .key(key)])
            case .label(let key): try? object.string(at: ["metadata", "labels", .key(key)])
            }
        }
    }

    let items: [JSONValue]
    /// Per key: value → positions in list order.
    private let tables = Mutex<[Key: [String: [Int]]]>([:])

    init(_ items: [JSONValue]) {
        self.items = items
    }

    /// The objects whose `key` equals `value`, in list order.
    func all(_ key: Key, equal value: String) -> [JSONValue] {
        positions(key, value).map { items[$0] }
    }

    /// The first object in list order whose `key` equals `value`.
    func first(_ key: Key, equal value: String) -> JSONValue? {
        positions(key, value).first.map { items[$0] }
    }

    private func positions(_ key: Key, _ value: String) -> [Int] {
        tables.withLock { tables in
            if let table = tables[key] { return table[value] ?? [] }
            var table: [String: [Int]] = [:]
            for (position, item) in items.enumerated() {
                if let itemValue = key.value(of: item) { table[itemValue, default: []].append(position) }
            }
            tables[key] = table
            return table[value] ?? []
        }
    }
}
