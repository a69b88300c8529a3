/// The fields the actions read from listed objects, which is all a cached LIST keeps: `metadata.name`, `namespace`,
/// `uid`, `labels` (as they are, whatever their type), the annotations named in `keptAnnotations`,
/// `status.phase` and the node names (`spec.nodeName` of a pod, `status.nodeName` of a VMI: a migrating VMI has two
/// launcher pods, and the one on the VMI's node runs it). A namespace of thousands of VMs then costs kilobytes, not the megabytes of full objects. GET
/// results stay whole.
public enum ObjectEssentials {
    /// Annotations kept on listed objects (the launcher-pod lookup reads `kubevirt.io/domain`).
    public static let keptAnnotations: Set<String> = ["kubevirt.io/domain"]

    /// What `project` reads, for parsing a LIST without materialising the rest of each object (full pods are
    /// kilobytes each). `project` applied to an object parsed with this selection gives what it gives for the whole
    /// object.
    public static let selection: JSONSelection = .members([
        "metadata": .members([
            JSONSelection.Wanted("name"), JSONSelection.Wanted("namespace"), JSONSelection.Wanted("uid"),
            JSONSelection.Wanted("labels"),
            JSONSelection.Wanted("annotations", .members(keptAnnotations.sorted().map { JSONSelection.Wanted($0) })),
        ]),
        "spec": .members(["nodeName": .all]),
        "status": .members(["phase": .all, "nodeName": .all]),
    ])

    public static func project(_ object: JSONValue) -> JSONValue {
        guard let source = object.objectValue else { return object }
        var result = JSONObject()
        if let metadata = source["metadata"]?.objectValue {
            var kept = JSONObject()
            for key in ["name", "namespace", "uid", "labels"] {
                if let value = metadata[key] { kept[key] = value }
            }
            if let annotations = metadata["annotations"] {
                if let members = annotations.objectValue?.members {
                    var subset = JSONObject()
                    for member in members where keptAnnotations.contains(member.key) { subset[member.key] = member.value }
                    if !subset.isEmpty { kept["annotations"] = .object(subset) }
                } else {
                    kept["annotations"] = annotations  // a wrong type stays visible to the type checks
                }
            }
            result["metadata"] = .object(kept)
        } else if let metadata = source["metadata"] {
            result["metadata"] = metadata
        }
        if let nodeName = source["spec"]?.objectValue?["nodeName"] {
            result["spec"] = .object(["nodeName": nodeName])
        }
        if let status = source["status"]?.objectValue {
            var kept = JSONObject()
            for key in ["phase", "nodeName"] {
                if let value = status[key] { kept[key] = value }
            }
            if !kept.isEmpty { result["status"] = .object(kept) }
        }
        return .object(result)
    }
}
