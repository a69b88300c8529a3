import KubeClient

/// A Kubernetes resource the plugin reads from the API or names in an object graph. One table, so the request
/// paths, the API's not-found wording and the identifiers a graph hands to Velero spell each resource the same way
/// (docs/object-graph.md lists what each graph step names).
public struct ClusterResource: Sendable, Hashable, CustomStringConvertible {
    /// The API group; `""` is the core group.
    public let group: String
    public let version: String
    /// The lower-case plural of the URL path.
    public let plural: String
    /// `false` for cluster-scoped resources, whose identifiers have no namespace.
    public let isNamespaced: Bool

    public init(group: String, version: String, plural: String, isNamespaced: Bool = true) {
        self.group = group
        self.version = version
        self.plural = plural
        self.isNamespaced = isNamespaced
    }

    /// `virtualmachineinstances.kubevirt.io`, or the bare plural for the core group (`pods`): how the API server
    /// names the resource in its messages (`virtualmachines.kubevirt.io "vm1" not found`).
    public var description: String { group.isEmpty ? plural : "\(plural).\(group)" }

    /// The collection's path in `namespace` (`/api/v1/namespaces/{ns}/pods`), or the object's when `name` is given;
    /// both are escaped as path segments.
    public func path(namespace: String, name: String? = nil) -> String {
        var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
        if isNamespaced { path += "/namespaces/\(QueryPath.segment(namespace))" }
        path += "/\(plural)"
        if let name { path += "/\(QueryPath.segment(name))" }
        return path
    }
}

extension ClusterResource {
    public static let virtualMachines = ClusterResource(group: "kubevirt.io", version: "v1", plural: "virtualmachines")
    public static let virtualMachineInstances = ClusterResource(
        group: "kubevirt.io", version: "v1", plural: "virtualmachineinstances")
    public static let dataVolumes = ClusterResource(group: "cdi.kubevirt.io", version: "v1beta1", plural: "datavolumes")
    public static let persistentVolumeClaims = ClusterResource(group: "", version: "v1", plural: "persistentvolumeclaims")
    public static let pods = ClusterResource(group: "", version: "v1", plural: "pods")
    public static let configMaps = ClusterResource(group: "", version: "v1", plural: "configmaps")
    public static let secrets = ClusterResource(group: "", version: "v1", plural: "secrets")
    public static let serviceAccounts = ClusterResource(group: "", version: "v1", plural: "serviceaccounts")
    public static let controllerRevisions = ClusterResource(group: "apps", version: "v1", plural: "controllerrevisions")
    /// D9 (docs/decisions.md): Multus NetworkAttachmentDefinitions.
    public static let networkAttachmentDefinitions = ClusterResource(
        group: "k8s.cni.cncf.io", version: "v1", plural: "network-attachment-definitions")
    public static let priorityClasses = ClusterResource(
        group: "scheduling.k8s.io", version: "v1", plural: "priorityclasses", isNamespaced: false)
    /// D12: a pool's VMs are recreated by the pool on restore.
    public static let virtualMachinePools = ClusterResource(group: "pool.kubevirt.io", version: "v1beta1", plural: "virtualmachinepools")
    /// D14: the classes a change-storage-class ConfigMap maps onto must exist, as Velero checks for PVCs.
    public static let storageClasses = ClusterResource(
        group: "storage.k8s.io", version: "v1", plural: "storageclasses", isNamespaced: false)
    /// Dynamic Resource Allocation: a claim a VMI consumes, or the template its launcher pod's claim is made from.
    public static let resourceClaims = ClusterResource(group: "resource.k8s.io", version: "v1", plural: "resourceclaims")
    public static let resourceClaimTemplates = ClusterResource(
        group: "resource.k8s.io", version: "v1", plural: "resourceclaimtemplates")
}
