import VeleroPluginKit

/// Decides whether a resource is part of a backup from the Backup's resource lists (D3 in docs/decisions.md):
/// `spec.includedResources`/`spec.excludedResources` and the namespace-scoped pair; `*` in an include list;
/// short names; group-qualified names. Namespace filters, label selectors and resource policies are not consulted.
struct BackupResourceFilter: Sendable, Equatable {
    var includedResources: [String] = []
    var excludedResources: [String] = []
    var includedNamespaceScopedResources: [String] = []
    var excludedNamespaceScopedResources: [String] = []

    /// `InBackup(resource)`: included by both include lists (an empty list includes everything) and excluded by
    /// neither exclude list.
    func includes(_ resource: String) -> Bool {
        isIncluded(resource) && !isExcluded(resource)
    }

    func isIncluded(_ resource: String) -> Bool {
        (includedResources.isEmpty || Self.matches(includedResources, resource, isIncludeList: true))
            && (includedNamespaceScopedResources.isEmpty
                || Self.matches(includedNamespaceScopedResources, resource, isIncludeList: true))
    }

    func isExcluded(_ resource: String) -> Bool {
        Self.matches(excludedResources, resource, isIncludeList: false)
            || Self.matches(excludedNamespaceScopedResources, resource, isIncludeList: false)
    }

    /// The lists as an admin wrote them, for error messages: `includedResources=[pods] excludedResources=[]`, plus
    /// the namespace-scoped lists when set.
    var description: String {
        func list(_ entries: [String]) -> String { "[" + entries.joined(separator: ", ") + "]" }
        var text = "includedResources=\(list(includedResources)) excludedResources=\(list(excludedResources))"
        if !includedNamespaceScopedResources.isEmpty {
            text += " includedNamespaceScopedResources=\(list(includedNamespaceScopedResources))"
        }
        if !excludedNamespaceScopedResources.isEmpty {
            text += " excludedNamespaceScopedResources=\(list(excludedNamespaceScopedResources))"
        }
        return text
    }

    private static func matches(_ entries: [String], _ resource: String, isIncludeList: Bool) -> Bool {
        let known = KnownResource.named(resource)
        return entries.contains { entry in
            // `*` means "everything" only where Velero accepts it, in include lists.
            if entry == "*" { return isIncludeList }
            if let known { return known.isNamed(byEntry: entry) }
            // Resources outside the table keep the reference rule: group ignored, singular/plural tolerated.
            return equalIgnoringPlural(splitAtFirstDot(entry).name, resource)
        }
    }

    /// `pods.apps` → (`pods`, `apps`); `pods.` → (`pods`, ``) (core group); `pods` → (`pods`, nil).
    static func splitAtFirstDot(_ entry: String) -> (name: String, group: String?) {
        guard let dot = entry.firstIndex(of: ".") else { return (entry, nil) }
        return (String(entry[..<dot]), String(entry[entry.index(after: dot)...]))
    }

    /// The reference's tolerance: case-insensitive equality, or equality after adding an `s` to either side.
    static func equalIgnoringPlural(_ a: String, _ b: String) -> Bool {
        let a = a.lowercased()
        let b = b.lowercased()
        return a == b || a + "s" == b || a == b + "s"
    }
}
