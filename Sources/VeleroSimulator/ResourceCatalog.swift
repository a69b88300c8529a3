import LosslessJSON

/// One API resource as discovery describes it: enough to address an object, to name it in filters the way Velero
/// accepts (plural, singular, Kind, short names, `resource.group`) and to lay it out in a backup directory.
public struct APIResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var version: String
    public var kind: String
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var namespaced: Bool
    /// Neither known to the preview nor defined by a CustomResourceDefinition among the manifests: plural and scope
    /// were guessed (Kubernetes' plural rules; namespaced when the object names a namespace).
    public var guessed = false

    public init(
        group: String, version: String, kind: String, plural: String, singular: String? = nil, shortNames: [String] = [],
        namespaced: Bool = true
    ) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular ?? kind.lowercased()
        self.shortNames = shortNames
        self.namespaced = namespaced
    }

    /// A resource for a kind nothing describes. The plural follows apimachinery's `UnsafeGuessKindToResource`: the
    /// lower-cased kind, with `es` after a final `s`, `ies` for a final `y`, else `s`.
    public static func guessed(apiVersion: String, kind: String, namespaced: Bool) -> APIResource {
        let parts = apiVersion.split(separator: "/", maxSplits: 1).map(String.init)
        let singular = kind.lowercased()
        let plural: String =
            if singular.hasSuffix("endpoints") { singular }
            else if singular.hasSuffix("s") { singular + "es" }
            else if singular.hasSuffix("y") { String(singular.dropLast()) + "ies" }
            else { singular + "s" }
        var resource = APIResource(
            group: parts.count == 2 ? parts[0] : "", version: parts.last ?? "v1", kind: kind, plural: plural, singular: singular,
            namespaced: namespaced)
        resource.guessed = true
        return resource
    }

    /// `plural` for the core group, `plural.group` otherwise (Velero's directory and filter spelling).
    public var groupResource: String { group.isEmpty ? plural : plural + "." + group }
    public var apiVersion: String { group.isEmpty ? version : group + "/" + version }
    public var description: String { groupResource }

    /// Whether a Velero resource-list entry (`pods`, `Pod`, `po`, `virtualmachines.kubevirt.io`, `vm`, `*`) names
    /// this resource. Text after the first dot is the group and must match exactly.
    public func isNamed(by entry: String) -> Bool {
        if entry == "*" { return true }
        let lowered = entry.lowercased()
        let name: Substring
        if let dot = lowered.firstIndex(of: ".") {
            guard lowered[lowered.index(after: dot)...] == group else { return false }
            name = lowered[..<dot]
        } else {
            name = lowered[...]
        }
        return name == plural || name == singular || name == kind.lowercased() || shortNames.contains(String(name))
    }
}

/// The resources the simulated cluster knows (discovery of a cluster with KubeVirt, CDI, CSI snapshots and Multus).
public struct ResourceCatalog: Sendable {
    public let resources: [APIResource]

    public init(_ resources: [APIResource]) { self.resources = resources }

    public static let standard = ResourceCatalog([
        APIResource(
            group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition", plural: "customresourcedefinitions",
            shortNames: ["crd", "crds"], namespaced: false),
        APIResource(group: "", version: "v1", kind: "Namespace", plural: "namespaces", shortNames: ["ns"], namespaced: false),
        APIResource(group: "", version: "v1", kind: "Pod", plural: "pods", shortNames: ["po"]),
        APIResource(group: "", version: "v1", kind: "PersistentVolumeClaim", plural: "persistentvolumeclaims", shortNames: ["pvc"]),
        APIResource(group: "", version: "v1", kind: "PersistentVolume", plural: "persistentvolumes", shortNames: ["pv"], namespaced: false),
        APIResource(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", shortNames: ["cm"]),
        APIResource(group: "", version: "v1", kind: "Secret", plural: "secrets"),
        APIResource(group: "", version: "v1", kind: "Service", plural: "services", shortNames: ["svc"]),
        APIResource(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", shortNames: ["sa"]),
        APIResource(group: "apps", version: "v1", kind: "ControllerRevision", plural: "controllerrevisions"),
        APIResource(group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole", plural: "clusterroles", namespaced: false),
        APIResource(
            group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding", plural: "clusterrolebindings", namespaced: false),
        APIResource(group: "velero.io", version: "v2alpha1", kind: "DataUpload", plural: "datauploads"),
        APIResource(group: "velero.io", version: "v2alpha1", kind: "DataDownload", plural: "datadownloads"),
        APIResource(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", shortNames: ["deploy"]),
        APIResource(group: "cdi.kubevirt.io", version: "v1beta1", kind: "DataVolume", plural: "datavolumes", shortNames: ["dv", "dvs"]),
        APIResource(group: "cdi.kubevirt.io", version: "v1beta1", kind: "DataSource", plural: "datasources", shortNames: ["das"]),
        APIResource(
            group: "instancetype.kubevirt.io", version: "v1beta1", kind: "VirtualMachineInstancetype",
            plural: "virtualmachineinstancetypes", shortNames: ["vminstancetype", "vminstancetypes", "vmf", "vmfs"]),
        APIResource(
            group: "instancetype.kubevirt.io", version: "v1beta1", kind: "VirtualMachinePreference",
            plural: "virtualmachinepreferences", shortNames: ["vmpref", "vmprefs", "vmp", "vmps"]),
        APIResource(
            group: "instancetype.kubevirt.io", version: "v1beta1", kind: "VirtualMachineClusterInstancetype",
            plural: "virtualmachineclusterinstancetypes", shortNames: ["vmclusterinstancetype", "vmcf"], namespaced: false),
        APIResource(
            group: "instancetype.kubevirt.io", version: "v1beta1", kind: "VirtualMachineClusterPreference",
            plural: "virtualmachineclusterpreferences", shortNames: ["vmcp", "vmcps"], namespaced: false),
        APIResource(
            group: "k8s.cni.cncf.io", version: "v1", kind: "NetworkAttachmentDefinition",
            plural: "network-attachment-definitions", shortNames: ["net-attach-def"]),
        APIResource(group: "kubevirt.io", version: "v1", kind: "VirtualMachine", plural: "virtualmachines", shortNames: ["vm", "vms"]),
        APIResource(
            group: "kubevirt.io", version: "v1", kind: "VirtualMachineInstance", plural: "virtualmachineinstances",
            shortNames: ["vmi", "vmis"]),
        APIResource(group: "resource.k8s.io", version: "v1", kind: "ResourceClaim", plural: "resourceclaims"),
        APIResource(group: "resource.k8s.io", version: "v1", kind: "ResourceClaimTemplate", plural: "resourceclaimtemplates"),
        APIResource(group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass", plural: "priorityclasses", shortNames: ["pc"], namespaced: false),
        APIResource(
            group: "snapshot.storage.k8s.io", version: "v1", kind: "VolumeSnapshot", plural: "volumesnapshots",
            shortNames: ["vs"]),
        APIResource(
            group: "snapshot.storage.k8s.io", version: "v1", kind: "VolumeSnapshotClass", plural: "volumesnapshotclasses",
            shortNames: ["vsclass", "vsclasses"], namespaced: false),
        APIResource(
            group: "snapshot.storage.k8s.io", version: "v1", kind: "VolumeSnapshotContent", plural: "volumesnapshotcontents",
            shortNames: ["vsc", "vscs"], namespaced: false),
        APIResource(group: "storage.k8s.io", version: "v1", kind: "StorageClass", plural: "storageclasses", shortNames: ["sc"], namespaced: false),
    ])

    /// This catalog and the resource `document` defines, if it is a CustomResourceDefinition
    /// (`apiextensions.k8s.io/v1`: `spec.group`, `spec.names`, `spec.scope`, the storage version).
    public func including(definedBy document: JSONValue) -> ResourceCatalog {
        guard let definition = document.objectValue, definition["kind"]?.stringValue == "CustomResourceDefinition",
            let spec = definition["spec"]?.objectValue, let group = spec["group"]?.stringValue,
            let names = spec["names"]?.objectValue, let kind = names["kind"]?.stringValue, let plural = names["plural"]?.stringValue,
            resource(apiVersion: group + "/v", kind: kind) == nil
        else { return self }
        let versions = spec["versions"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let version = (versions.first { $0["storage"]?.boolValue == true } ?? versions.first)?["name"]?.stringValue ?? "v1"
        let resource = APIResource(
            group: group, version: version, kind: kind, plural: plural, singular: names["singular"]?.stringValue,
            shortNames: names["shortNames"]?.arrayValue?.compactMap(\.stringValue) ?? [], namespaced: spec["scope"]?.stringValue != "Cluster")
        return ResourceCatalog(resources + [resource])
    }

    /// This catalog and every resource of `others` it lacks (the guessed resources of loaded manifests).
    public func including(_ others: [APIResource]) -> ResourceCatalog {
        var added: [APIResource] = []
        for other in others where !resources.contains(other) && !added.contains(other) { added.append(other) }
        return added.isEmpty ? self : ResourceCatalog(resources + added)
    }

    /// The resource of an object's `apiVersion` and `kind` (any version of a known group is accepted).
    public func resource(apiVersion: String, kind: String) -> APIResource? {
        let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        return resources.first { $0.group == group && $0.kind == kind }
    }

    /// The resource of a `ResourceIdentifier`-style (group, plural) pair.
    public func resource(group: String, plural: String) -> APIResource? {
        resources.first { $0.group == group && $0.plural == plural }
    }

    /// The resource a backup directory name (`pods`, `virtualmachines.kubevirt.io`) stands for.
    public func resource(groupResource: String) -> APIResource? {
        resources.first { $0.groupResource == groupResource }
    }

    /// Discovery order as Velero's item collector walks it: the core group first with pods, then PVCs, then PVs,
    /// then the other core resources; the other groups follow in name order, each group's resources in name order.
    public var backupOrder: [APIResource] {
        let corePriority = ["pods": 0, "persistentvolumeclaims": 1, "persistentvolumes": 2]
        return resources.sorted { a, b in
            if a.group.isEmpty != b.group.isEmpty { return a.group.isEmpty }
            if a.group != b.group { return a.group < b.group }
            let pa = corePriority[a.plural] ?? 3
            let pb = corePriority[b.plural] ?? 3
            return pa != pb ? pa < pb : a.plural < b.plural
        }
    }
}
