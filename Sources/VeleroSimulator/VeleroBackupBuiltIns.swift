import Crypto
import FakeKubeAPI
import LosslessJSON
import VeleroPluginKit

/// What the simulated backup knows while Velero's own actions run: the cluster, the Backup, the server's features.
struct BackupContext {
    let backupName: String
    let backupNamespace: String
    let backupUID: String
    let spec: BackupSpec
    /// `--features=EnableCSI` on the Velero server (OADP sets it when `csi` is among the default plugins).
    let csiEnabled: Bool
    let catalog: ResourceCatalog
    let object: (ObjectKey) -> ManifestObject?
    /// The objects of a resource in a namespace (nil: all), sorted by namespace and name.
    let objectsOf: (APIResource, String?) -> [ManifestObject]

    func resource(kind: String, group: String) -> APIResource? {
        catalog.resources.first { $0.kind == kind && $0.group == group }
    }

    func objects(of resource: APIResource, in namespace: String? = nil) -> [ManifestObject] {
        objectsOf(resource, namespace)
    }
}

/// Velero 1.18's own ItemBlockActions (`pkg/itemblock/actions/`, registered in `pkg/cmd/server/plugin/plugin.go`),
/// which run before any plugin's. Each returns the related items as Velero does.
enum VeleroItemBlockActions {
    static let pod = "velero.io/pod"
    static let persistentVolumeClaim = "velero.io/pvc"
    static let serviceAccount = "velero.io/service-account"

    /// The actions that apply to `key`, with their related items, in Velero's order.
    static func related(to object: ManifestObject, _ context: BackupContext) -> [(action: String, items: [ResourceIdentifier])] {
        switch (object.resource.group, object.resource.plural) {
        case ("", "pods"): [(pod, podRelatedItems(object))]
        case ("", "persistentvolumeclaims"): [(persistentVolumeClaim, claimRelatedItems(object, context))]
        case ("", "serviceaccounts"): [(serviceAccount, serviceAccountRelatedItems(object, context))]
        default: []
        }
    }

    /// `actionhelpers.RelatedItemsForPod`: the PriorityClass named by `spec.priorityClassName`, then every
    /// `persistentVolumeClaim` volume's claim (ephemeral volumes are not followed; nothing checks that the PVC exists).
    static func podRelatedItems(_ pod: ManifestObject) -> [ResourceIdentifier] {
        var items: [ResourceIdentifier] = []
        if let priorityClass = (try? pod.object.string(at: ["spec", "priorityClassName"])) ?? nil, !priorityClass.isEmpty {
            items.append(ResourceIdentifier(group: "scheduling.k8s.io", resource: "priorityclasses", namespace: "", name: priorityClass))
        }
        for volume in ((try? pod.object.array(at: ["spec", "volumes"])) ?? nil) ?? [] {
            if let claim = (try? volume.string(at: ["persistentVolumeClaim", "claimName"])) ?? nil, !claim.isEmpty {
                items.append(ResourceIdentifier(group: "", resource: "persistentvolumeclaims", namespace: pod.namespace, name: claim))
            }
        }
        return items
    }

    /// `PVCAction.GetRelatedItems`: nothing for a claim that is not Bound or has no volume; else its PV, then every
    /// running pod of the namespace that mounts it (`kube.IsPodRunning`: a node, phase Running, not being deleted).
    static func claimRelatedItems(_ claim: ManifestObject, _ context: BackupContext) -> [ResourceIdentifier] {
        guard (try? claim.object.string(at: ["status", "phase"])) == "Bound",
            let volume = (try? claim.object.string(at: ["spec", "volumeName"])) ?? nil, !volume.isEmpty
        else { return [] }
        var items = [ResourceIdentifier(group: "", resource: "persistentvolumes", namespace: "", name: volume)]
        guard let pods = context.resource(kind: "Pod", group: "") else { return items }
        for pod in context.objects(of: pods, in: claim.namespace) where isRunning(pod.object) {
            let mounts = ((try? pod.object.array(at: ["spec", "volumes"])) ?? nil)?.contains {
                ((try? $0.string(at: ["persistentVolumeClaim", "claimName"])) ?? nil) == claim.name
            } ?? false
            if mounts { items.append(ResourceIdentifier(group: "", resource: "pods", namespace: pod.namespace, name: pod.name)) }
        }
        return items
    }

    static func isRunning(_ pod: JSONValue) -> Bool {
        let node = (try? pod.string(at: ["spec", "nodeName"])) ?? nil
        return node?.isEmpty == false && (try? pod.string(at: ["status", "phase"])) == "Running"
            && ((try? pod.value(at: ["metadata", "deletionTimestamp"])) ?? nil) == nil
    }

    /// `ServiceAccountAction`: the ClusterRoleBindings naming the account as a subject, then their ClusterRoles.
    static func serviceAccountRelatedItems(_ account: ManifestObject, _ context: BackupContext) -> [ResourceIdentifier] {
        guard let bindings = context.resource(kind: "ClusterRoleBinding", group: "rbac.authorization.k8s.io") else { return [] }
        var bindingNames: [String] = []
        var roleNames: [String] = []
        for binding in context.objects(of: bindings) {
            let subjects = ((try? binding.object.array(at: ["subjects"])) ?? nil) ?? []
            let names = subjects.contains {
                ((try? $0.string(at: ["kind"])) ?? nil) == "ServiceAccount" && ((try? $0.string(at: ["namespace"])) ?? nil) == account.namespace
                    && ((try? $0.string(at: ["name"])) ?? nil) == account.name
            }
            guard names else { continue }
            bindingNames.append(binding.name)
            if let role = (try? binding.object.string(at: ["roleRef", "name"])) ?? nil { roleNames.append(role) }
        }
        return bindingNames.map { ResourceIdentifier(group: "rbac.authorization.k8s.io", resource: "clusterrolebindings", namespace: "", name: $0) }
            + roleNames.map { ResourceIdentifier(group: "rbac.authorization.k8s.io", resource: "clusterroles", namespace: "", name: $0) }
    }
}

/// What one of Velero's own BackupItemActions did to an item.
struct BuiltInBackupResult {
    var item: JSONValue
    var additionalItems: [ResourceIdentifier] = []
    /// Objects the action created in the cluster (a VolumeSnapshot and, through the CSI driver, its content; a DataUpload).
    var created: [ManifestObject] = []
    /// Items backed up when the backup finalizes (a DataUpload: `postOperationItems`).
    var finalizeItems: [ObjectKey] = []
    var error: String? = nil
}

/// Velero 1.18's own BackupItemActions that matter for VM backups, in the order Velero runs them before any
/// plugin's (the internal plugin's v1 actions by name, then its v2 actions by name: `pkg/plugin/clientmgmt/process/
/// registry.go`). CSI actions run only with `EnableCSI` (`csiutil.ShouldSkipAction`).
enum VeleroBackupItemActions {
    static let pod = "velero.io/pod"
    static let persistentVolume = "velero.io/pv"
    static let serviceAccount = "velero.io/service-account"
    static let csiClaim = "velero.io/csi-pvc-backupper"
    static let csiSnapshot = "velero.io/csi-volumesnapshot-backupper"

    /// The names of the actions that apply to `resource`, in Velero's order.
    static func applying(to resource: APIResource, csiEnabled: Bool) -> [String] {
        switch (resource.group, resource.plural) {
        case ("", "pods"): [pod]
        case ("", "persistentvolumeclaims"): csiEnabled ? [persistentVolume, csiClaim] : [persistentVolume]
        case ("", "serviceaccounts"): [serviceAccount]
        case ("snapshot.storage.k8s.io", "volumesnapshots"): csiEnabled ? [csiSnapshot] : []
        default: []
        }
    }

    static func execute(_ name: String, item: JSONValue, key: ObjectKey, _ context: BackupContext) -> BuiltInBackupResult {
        let object = ManifestObject(object: item, resource: key.resource, namespace: key.namespace, name: key.name, location: SourceLocation(file: "(backup)", line: nil))
        switch name {
        case pod: return BuiltInBackupResult(item: item, additionalItems: VeleroItemBlockActions.podRelatedItems(object))
        case serviceAccount: return BuiltInBackupResult(item: item, additionalItems: VeleroItemBlockActions.serviceAccountRelatedItems(object, context))
        case persistentVolume: return persistentVolumeAction(item, key)
        case csiClaim: return CSISnapshotModel(context: context).backUpClaim(item, key)
        case csiSnapshot: return CSISnapshotModel(context: context).backUpSnapshot(item, key)
        default: return BuiltInBackupResult(item: item)
        }
    }

    /// `backup_pv_action.go` `PVCAction.Execute`: the bound PV as an additional item; the stored claim loses
    /// `spec.dataSource`/`dataSourceRef` (and its selector unless the class is empty) and a restore-name label.
    static func persistentVolumeAction(_ item: JSONValue, _ key: ObjectKey) -> BuiltInBackupResult {
        var claim = item
        _ = claim.removeValue(at: ["spec", "dataSource"])
        _ = claim.removeValue(at: ["spec", "dataSourceRef"])
        if ((try? claim.string(at: ["spec", "storageClassName"])) ?? nil) != "" { _ = claim.removeValue(at: ["spec", "selector"]) }
        _ = claim.removeValue(at: ["metadata", "labels", "velero.io/restore-name"])
        var result = BuiltInBackupResult(item: claim)
        if (try? item.string(at: ["status", "phase"])) == "Bound",
            let volume = (try? item.string(at: ["spec", "volumeName"])) ?? nil, !volume.isEmpty
        {
            result.additionalItems = [ResourceIdentifier(group: "", resource: "persistentvolumes", namespace: "", name: volume)]
        }
        return result
    }
}

/// The CSI snapshot flow of Velero 1.18 (`pkg/backup/actions/csi/pvc_action.go`, `volumesnapshot_action.go`) over
/// the simulated cluster. Where Velero waits for the CSI driver, the driver is assumed to succeed at once: the
/// VolumeSnapshot is bound to a ready VolumeSnapshotContent named as the external snapshotter names it.
struct CSISnapshotModel {
    let context: BackupContext

    static let snapshotGroup = "snapshot.storage.k8s.io"

    /// The claim through `pvcBackupItemAction.Execute`, after `ShouldPerformSnapshot`.
    func backUpClaim(_ item: JSONValue, _ key: ObjectKey) -> BuiltInBackupResult {
        var result = BuiltInBackupResult(item: item)
        let claimName = "\(key.namespace)/\(key.name)"
        // ShouldPerformSnapshot (internal/volumehelper/volume_policy_helper.go) runs before the action and, with no
        // volume policy, fails the item with kubeutil.GetPVForPVC's error (pkg/util/kube/pvc_pv.go), in its order.
        let volumeName = ((try? item.string(at: ["spec", "volumeName"])) ?? nil) ?? ""
        guard !volumeName.isEmpty else {
            result.error = "PVC \(claimName) has no volume backing this claim"
            return result
        }
        let phase = ((try? item.string(at: ["status", "phase"])) ?? nil) ?? ""
        guard phase == "Bound" else {
            result.error = "PVC \(claimName) is in phase \(phase) and is not bound to a volume"
            return result
        }
        guard let pvResource = context.resource(kind: "PersistentVolume", group: ""),
            let volume = context.object(ObjectKey(resource: pvResource, namespace: "", name: volumeName))
        else {
            result.error = "failed to get PV \(volumeName) for PVC \(claimName): persistentvolumes \"\(volumeName)\" not found"
            return result
        }
        if context.spec.snapshotVolumes == false { return result }
        guard let className = (try? item.string(at: ["spec", "storageClassName"])) ?? nil else {
            result.error = "Cannot snapshot PVC \(claimName), PVC has no storage class."
            return result
        }
        guard let driver = (try? volume.object.string(at: ["spec", "csi", "driver"])) ?? nil else {
            // validatePVCandPV: not a CSI volume; the server drops the marker again after tracking the PV as skipped.
            return result
        }
        guard let snapshotClass = volumeSnapshotClass(for: driver, claim: item) else {
            result.error = "failed to get VolumeSnapshotClass for StorageClass \(className): no VolumeSnapshotClass for driver \(driver)"
            return result
        }
        let (snapshot, content) = takeSnapshot(of: item, key, volume: volume.object, driver: driver, snapshotClass: snapshotClass)
        result.created = [snapshot, content]
        var claim = item
        try? claim.setValue(.string(snapshot.name), at: ["metadata", "labels", "velero.io/volume-snapshot-name"])
        try? claim.setValue(.string(context.backupName), at: ["metadata", "labels", "velero.io/backup-name"])
        try? claim.setValue(.string(snapshot.name), at: ["metadata", "annotations", "velero.io/volume-snapshot-name"])
        if context.spec.snapshotMoveData {
            let upload = dataUpload(for: item, key, snapshot: snapshot, className: className, driver: driver, snapshotClass: snapshotClass)
            result.created.append(upload)
            result.finalizeItems = [upload.key]
            try? claim.setValue(.string("\(upload.namespace)/\(upload.name)"), at: ["metadata", "annotations", "velero.io/data-upload-name"])
        } else {
            result.additionalItems = [ResourceIdentifier(group: Self.snapshotGroup, resource: "volumesnapshots", namespace: snapshot.namespace, name: snapshot.name)]
        }
        result.item = claim
        return result
    }

    /// `volumeSnapshotBackupItemAction.Execute`: the class and the bound content as additional items; the snapshot
    /// gains the annotations the restore reads (deletion policy, handle, driver, restore size).
    func backUpSnapshot(_ item: JSONValue, _ key: ObjectKey) -> BuiltInBackupResult {
        var result = BuiltInBackupResult(item: item)
        if let className = (try? item.string(at: ["spec", "volumeSnapshotClassName"])) ?? nil {
            result.additionalItems.append(ResourceIdentifier(group: Self.snapshotGroup, resource: "volumesnapshotclasses", namespace: "", name: className))
        }
        guard let contentName = (try? item.string(at: ["status", "boundVolumeSnapshotContentName"])) ?? nil,
            let resource = context.resource(kind: "VolumeSnapshotContent", group: Self.snapshotGroup),
            let content = context.object(ObjectKey(resource: resource, namespace: "", name: contentName))
        else { return result }
        result.additionalItems.append(ResourceIdentifier(group: Self.snapshotGroup, resource: "volumesnapshotcontents", namespace: "", name: contentName))
        var snapshot = item
        let annotations: [(String, JSONValue?)] = [
            ("velero.io/csi-vsc-deletion-policy", (try? content.object.value(at: ["spec", "deletionPolicy"])) ?? nil),
            ("velero.io/csi-volumesnapshot-handle", (try? content.object.value(at: ["status", "snapshotHandle"])) ?? nil),
            ("velero.io/csi-driver-name", (try? content.object.value(at: ["spec", "driver"])) ?? nil),
            ("velero.io/csi-volumesnapshot-restore-size", ((try? content.object.value(at: ["status", "restoreSize"])) ?? nil).map { .string(Self.quantity(bytes: $0)) }),
        ]
        for (key, value) in annotations {
            if let value { try? snapshot.setValue(value, at: ["metadata", "annotations", .key(key)]) }
        }
        result.item = snapshot
        return result
    }

    /// `csi.GetVolumeSnapshotClass`: the claim's annotation, the Backup's per-driver annotation, the class labelled
    /// for Velero, the default class, or the only class of the driver.
    func volumeSnapshotClass(for driver: String, claim: JSONValue) -> ManifestObject? {
        guard let resource = context.resource(kind: "VolumeSnapshotClass", group: Self.snapshotGroup) else { return nil }
        let classes = context.objects(of: resource).filter { ((try? $0.object.string(at: ["driver"])) ?? nil) == driver }
        if let wanted = (try? claim.string(at: ["metadata", "annotations", "velero.io/csi-volumesnapshot-class"])) ?? nil {
            return classes.first { $0.name == wanted }
        }
        if let labelled = classes.first(where: { $0.object.labels["velero.io/csi-volumesnapshot-class"] != nil }) { return labelled }
        if let defaultClass = classes.first(where: {
            ((try? $0.object.string(at: ["metadata", "annotations", "snapshot.storage.kubernetes.io/is-default-class"])) ?? nil) == "true"
        }) { return defaultClass }
        return classes.count == 1 ? classes[0] : nil
    }

    private func takeSnapshot(
        of claim: JSONValue, _ key: ObjectKey, volume: JSONValue, driver: String, snapshotClass: ManifestObject
    ) -> (ManifestObject, ManifestObject) {
        let claimUID = ((try? claim.string(at: ["metadata", "uid"])) ?? nil) ?? key.name
        let name = "velero-\(key.name)-" + Generated.suffix(seed: context.backupName + "/" + claimUID)
        let uid = Generated.uid(seed: "volumesnapshot/" + context.backupName + "/" + claimUID)
        let contentName = "snapcontent-" + uid
        let restoreSize = (try? claim.value(at: ["status", "capacity", "storage"])) ?? nil
        var labels = JSONObject()
        for member in ((try? claim.object(at: ["metadata", "labels"])) ?? nil)?.members ?? [] { labels[member.key] = member.value }
        labels["velero.io/backup-name"] = .string(RestoreSimulation.labelValue(context.backupName))
        let snapshot: JSONValue = [
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot",
            "metadata": [
                "generateName": .string("velero-\(key.name)-"), "name": .string(name), "namespace": .string(key.namespace),
                "uid": .string(uid), "labels": .object(labels),
            ],
            "spec": ["source": ["persistentVolumeClaimName": .string(key.name)], "volumeSnapshotClassName": .string(snapshotClass.name)],
            "status": ["boundVolumeSnapshotContentName": .string(contentName), "readyToUse": true, "restoreSize": restoreSize ?? .null],
        ]
        let handle = ((try? volume.string(at: ["spec", "csi", "volumeHandle"])) ?? nil) ?? key.name
        let content: JSONValue = [
            "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshotContent",
            "metadata": ["name": .string(contentName), "uid": .string(Generated.uid(seed: "content/" + uid))],
            "spec": [
                "deletionPolicy": ((try? snapshotClass.object.value(at: ["deletionPolicy"])) ?? nil) ?? "Delete",
                "driver": .string(driver), "source": ["volumeHandle": .string(handle)],
                "volumeSnapshotClassName": .string(snapshotClass.name),
                "volumeSnapshotRef": [
                    "apiVersion": "snapshot.storage.k8s.io/v1", "kind": "VolumeSnapshot", "name": .string(name),
                    "namespace": .string(key.namespace), "uid": .string(uid),
                ],
            ],
            "status": ["readyToUse": true, "restoreSize": .number(JSONNumber(Self.bytes(restoreSize))), "snapshotHandle": .string("snapshot-" + uid)],
        ]
        let location = SourceLocation(file: "(created by \(VeleroBackupItemActions.csiClaim))", line: nil)
        let snapshotResource = context.resource(kind: "VolumeSnapshot", group: Self.snapshotGroup)!
        let contentResource = context.resource(kind: "VolumeSnapshotContent", group: Self.snapshotGroup)!
        return (
            ManifestObject(object: snapshot, resource: snapshotResource, namespace: key.namespace, name: name, location: location),
            ManifestObject(object: content, resource: contentResource, namespace: "", name: contentName, location: location)
        )
    }

    /// `newDataUpload`: in Velero's namespace, named from the Backup, owned by it.
    private func dataUpload(
        for claim: JSONValue, _ key: ObjectKey, snapshot: ManifestObject, className: String, driver: String, snapshotClass: ManifestObject
    ) -> ManifestObject {
        let claimUID = ((try? claim.string(at: ["metadata", "uid"])) ?? nil) ?? key.name
        let name = context.backupName + "-" + Generated.suffix(seed: "dataupload/" + context.backupName + "/" + claimUID)
        let operation = RestoreSimulation.labelValue("du-\(context.backupUID).\(claimUID)")
        let upload: JSONValue = [
            "apiVersion": "velero.io/v2alpha1", "kind": "DataUpload",
            "metadata": [
                "generateName": .string(context.backupName + "-"), "name": .string(name), "namespace": .string(context.backupNamespace),
                "uid": .string(Generated.uid(seed: "dataupload/" + name)),
                "labels": [
                    "velero.io/backup-name": .string(RestoreSimulation.labelValue(context.backupName)),
                    "velero.io/backup-uid": .string(context.backupUID), "velero.io/pvc-uid": .string(claimUID),
                    "velero.io/async-operation-id": .string(operation),
                ],
                "ownerReferences": [[
                    "apiVersion": "velero.io/v1", "kind": "Backup", "name": .string(context.backupName),
                    "uid": .string(context.backupUID), "controller": true,
                ]],
            ],
            "spec": [
                "snapshotType": "CSI",
                "csiSnapshot": [
                    "volumeSnapshot": .string(snapshot.name), "storageClass": .string(className), "driver": .string(driver),
                    "snapshotClass": .string(snapshotClass.name),
                ],
                "sourcePVC": .string(key.name), "sourceNamespace": .string(key.namespace), "backupStorageLocation": "default",
                "operationTimeout": "10m0s",
            ],
            "status": ["phase": "Completed", "snapshotID": .string(Generated.suffix(seed: "snapshot/" + name, length: 8))],
        ]
        let resource = context.resource(kind: "DataUpload", group: "velero.io")!
        return ManifestObject(
            object: upload, resource: resource, namespace: context.backupNamespace, name: name,
            location: SourceLocation(file: "(created by \(VeleroBackupItemActions.csiClaim))", line: nil))
    }

    /// A Kubernetes quantity's value in bytes (`30Gi` → 32212254720); 0 when it is not one.
    static func bytes(_ quantity: JSONValue?) -> Int {
        guard let text = quantity?.stringValue else { return 0 }
        let units: [(String, Int)] = [("Ki", 1 << 10), ("Mi", 1 << 20), ("Gi", 1 << 30), ("Ti", 1 << 40)]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            return (Int(text.dropLast(2)) ?? 0) * factor
        }
        return Int(text) ?? 0
    }

    /// `resource.NewQuantity(bytes, BinarySI).String()` for whole binary units.
    static func quantity(bytes value: JSONValue) -> String {
        guard let number = value.numberValue?.int64Value else { return value.stringValue ?? "" }
        for (suffix, factor) in [("Ti", Int64(1) << 40), ("Gi", Int64(1) << 30), ("Mi", Int64(1) << 20), ("Ki", Int64(1) << 10)]
        where number >= factor && number % factor == 0 {
            return "\(number / factor)\(suffix)"
        }
        return "\(number)"
    }
}

/// Names and uids the cluster would make up (`generateName` suffixes, object uids), derived from a seed so that a
/// preview shows the same names every time it runs.
enum Generated {
    /// Kubernetes' `generateName` alphabet (no vowels, no look-alike digits).
    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    static func suffix(seed: String, length: Int = 5) -> String {
        let digest = Array(SHA256.hash(data: Array(seed.utf8)))
        return String((0..<length).map { alphabet[Int(digest[$0]) % alphabet.count] })
    }

    static func uid(seed: String) -> String {
        let hex = SHA256.hash(data: Array(seed.utf8)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
        let characters = Array(hex)
        func part(_ range: Range<Int>) -> String { String(characters[range]) }
        return [part(0..<8), part(8..<12), "4" + part(13..<16), "a" + part(17..<20), part(20..<32)].joined(separator: "-")
    }

    /// Hex SHA-256 of `text` (`util.GenerateSha256FromRestoreUIDAndVsName` and friends).
    static func sha256Hex(_ text: String) -> String {
        SHA256.hash(data: Array(text.utf8)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }
}
