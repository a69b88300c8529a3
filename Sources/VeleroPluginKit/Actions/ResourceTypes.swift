/// Which items an action applies to (Velero's `ResourceSelector`). Empty lists mean "all"; Velero resolves each
/// resource string (plural, singular, short or Kind name, optionally `.group`) through the cluster's discovery, and
/// `*` means every resource.
public struct ResourceSelector: Sendable, Equatable, Hashable {
    public var includedNamespaces: [String]
    public var excludedNamespaces: [String]
    public var includedResources: [String]
    public var excludedResources: [String]
    /// A Kubernetes label selector string (`app=foo,tier!=db`); empty selects everything.
    public var selector: String

    public init(
        includedNamespaces: [String] = [], excludedNamespaces: [String] = [],
        includedResources: [String] = [], excludedResources: [String] = [], selector: String = ""
    ) {
        self.includedNamespaces = includedNamespaces
        self.excludedNamespaces = excludedNamespaces
        self.includedResources = includedResources
        self.excludedResources = excludedResources
        self.selector = selector
    }
}

/// A Kubernetes object named by group, plural resource, namespace and name (Velero's `ResourceIdentifier`).
/// `group` is empty for the core API group; `resource` is the plural lower-case name (`persistentvolumeclaims`).
public struct ResourceIdentifier: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var group: String
    public var resource: String
    public var namespace: String
    public var name: String

    public init(group: String, resource: String, namespace: String, name: String) {
        self.group = group
        self.resource = resource
        self.namespace = namespace
        self.name = name
    }

    /// `group/resource ns/name`, the notation of the docs (docs/object-graph.md) and of log lines.
    public var description: String { "\(group)/\(resource) \(namespace)/\(name)" }
}
