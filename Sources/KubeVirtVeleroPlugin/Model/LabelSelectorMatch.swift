import VeleroPluginKit

/// A `metav1.LabelSelector` as Velero's Backup and Restore carry it (`matchLabels`, `matchExpressions` with `In`,
/// `NotIn`, `Exists`, `DoesNotExist`), evaluated as apimachinery's `LabelSelectorAsSelector` does: every requirement
/// must hold; an empty selector selects everything.
enum LabelSelectorMatch {
    static func matches(_ selector: JSONValue, labels: JSONValue?) -> Bool {
        func label(_ key: String) -> String? { labels.flatMap { (try? $0.string(at: [.key(key)])) ?? nil } }
        for member in ((try? selector.object(at: ["matchLabels"])) ?? nil)?.members ?? [] {
            guard let value = member.value.stringValue, label(member.key) == value else { return false }
        }
        for expression in ((try? selector.array(at: ["matchExpressions"])) ?? nil) ?? [] {
            guard let key = (try? expression.string(at: ["key"])) ?? nil else { return false }
            let values = Set((((try? expression.array(at: ["values"])) ?? nil) ?? []).compactMap(\.stringValue))
            let value = label(key)
            switch (try? expression.string(at: ["operator"])) ?? nil {
            case "In": if value.map(values.contains) != true { return false }
            case "NotIn": if let value, values.contains(value) { return false }
            case "Exists": if value == nil { return false }
            case "DoesNotExist": if value != nil { return false }
            default: return false  // an operator apimachinery rejects selects nothing
            }
        }
        return true
    }
}
