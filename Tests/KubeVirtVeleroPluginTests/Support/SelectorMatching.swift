@testable import KubeVirtVeleroPlugin

/// Evaluates a set-based selector of the form `key in (a, b)` against labels, as Velero does for AppliesTo.
func selectorMatches(_ selector: String, labels: [String: String]) -> Bool {
    let parts = selector.split(separator: " ", maxSplits: 2)
    guard parts.count == 3, parts[1] == "in" else { return false }
    let values = parts[2].trimmingCharacters(in: ["(", ")"]).split(separator: ",").map {
        $0.trimmingCharacters(in: [" "])
    }
    guard let value = labels[String(parts[0])] else { return false }
    return values.contains(value)
}

extension Substring {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}

/// Evaluates an equality-based label selector (`key`, `key=value`, comma-separated), as the API server does for
/// `?labelSelector=`.
func labelSelectorMatches(_ selector: String, labels: JSONObject) -> Bool {
    selector.split(separator: ",").allSatisfy { requirement in
        let parts = requirement.split(separator: "=", maxSplits: 1)
        guard let value = labels[String(parts[0])] else { return false }
        return parts.count == 1 || value == .string(String(parts[1]))
    }
}
