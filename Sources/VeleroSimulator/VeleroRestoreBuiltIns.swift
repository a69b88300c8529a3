import FakeKubeAPI
import LosslessJSON
import VeleroPluginKit

/// What Velero's own restore actions see: the Restore, the Backup it restores, the backup's items.
struct RestoreContext {
    let spec: RestoreSpec
    /// The Backup object (`velero-backup.json`); its `spec.snapshotMoveData` picks the CSI or the data-mover path.
    let backup: JSONValue?
    let entries: [ObjectKey: BackupDirectory.Entry]
    let catalog: ResourceCatalog
    /// Velero's change-storage-class ConfigMap in the target cluster.
    var storageClasses = ChangeStorageClassConfig()

    var snapshotMoveData: Bool { ((try? backup?.bool(at: ["spec", "snapshotMoveData"])) ?? nil) == true }

    func resource(kind: String, group: String) -> APIResource? {
        catalog.resources.first { $0.kind == kind && $0.group == group }
    }

    func entries(kind: String, group: String) -> [BackupDirectory.Entry] {
        entries.values.filter { $0.key.resource.kind == kind && $0.key.resource.group == group }.sorted { $0.key < $1.key }
    }
}

/// What Velero's `velero.io/change-storage-class` action reads from the target cluster: the ConfigMap that
/// `common.GetPluginConfig` finds in Velero's namespace by label selector (pkg/plugin/framework/common/plugin_config.go)
/// and the StorageClasses that exist there. Velero reads it per item; the preview once, as nothing it restores changes it.
public struct ChangeStorageClassConfig: Sendable {
    public static let labelSelector = "velero.io/plugin-config,velero.io/change-storage-class=RestoreItemAction"

    /// Old class → new, from the ConfigMap's `data` (empty: no ConfigMap or no data).
    public var mapping: [String: String] = [:]
    /// `namespace/name` of the ConfigMap found.
    public var configMap: String? = nil
    /// GetPluginConfig's error (two ConfigMaps match), which fails every item the action runs for.
    public var error: String? = nil
    public var existingClasses: Set<String> = []

    public init() {}

    /// Reads the config from `cluster`, where Velero runs in `veleroNamespace`.
    public init(cluster: EmbeddedCluster, veleroNamespace: String, catalog: ResourceCatalog) {
        guard let configMaps = catalog.resource(group: "", plural: "configmaps"),
            let classes = catalog.resource(group: "storage.k8s.io", plural: "storageclasses"),
            let selector = try? LabelSelector(Self.labelSelector)
        else { return }
        existingClasses = Set(cluster.objects(of: classes).map(\.name))
        let found = cluster.objects(of: configMaps, in: veleroNamespace).filter { selector.matches($0.object.labels) }
        guard let first = found.first else { return }
        guard found.count == 1 else {
            error = "found more than one ConfigMap matching label selector \"\(Self.labelSelector)\": [\(found.map(\.name).joined(separator: " "))]"
            return
        }
        configMap = "\(first.namespace)/\(first.name)"
        for member in (try? first.object.object(at: ["data"]))?.members ?? [] {
            if let new = member.value.stringValue { mapping[member.key] = new }
        }
    }
}

/// What one of Velero's own RestoreItemActions did.
struct BuiltInRestoreResult {
    var item: JSONValue
    var additionalItems: [ResourceIdentifier] = []
    var skipRestore = false
    /// Objects the action created in the restore cluster (a DataDownload, a DataUpload result ConfigMap).
    var created: [JSONValue] = []
    var error: String? = nil
}

/// Velero 1.18's own RestoreItemActions that matter for VM restores, in the order Velero runs them before any
/// plugin's (internal v1 actions by name, then v2 by name); the CSI ones only with `EnableCSI`.
enum VeleroRestoreItemActions {
    static let changeStorageClass = "velero.io/change-storage-class"
    static let dataUpload = "velero.io/dataupload"
    static let claim = "velero.io/pvc"
    static let csiClaim = "velero.io/csi-pvc-restorer"
    static let csiSnapshot = "velero.io/csi-volumesnapshot-restorer"
    static let csiContent = "velero.io/csi-volumesnapshotcontent-restorer"

    static func applying(to resource: APIResource, csiEnabled: Bool) -> [String] {
        switch (resource.group, resource.plural) {
        case ("velero.io", "datauploads"): [dataUpload]
        case ("", "persistentvolumeclaims"): csiEnabled ? [changeStorageClass, claim, csiClaim] : [changeStorageClass, claim]
        case ("", "persistentvolumes"): [changeStorageClass]
        case ("snapshot.storage.k8s.io", "volumesnapshots"): csiEnabled ? [csiSnapshot] : []
        case ("snapshot.storage.k8s.io", "volumesnapshotcontents"): csiEnabled ? [csiContent] : []
        default: []
        }
    }

    static func execute(
        _ name: String, item: JSONValue, fromBackup: JSONValue, key: ObjectKey, _ context: RestoreContext
    ) -> BuiltInRestoreResult {
        switch name {
        case changeStorageClass: return changeStorageClassAction(item, context)
        case dataUpload: return dataUploadResult(item, fromBackup: fromBackup, context)
        case claim: return claimAction(item, fromBackup: fromBackup)
        case csiClaim: return csiClaimAction(item, fromBackup: fromBackup, key: key, context)
        case csiSnapshot: return csiSnapshotAction(item, fromBackup: fromBackup, context)
        case csiContent: return csiContentAction(item, fromBackup: fromBackup, context)
        default: return BuiltInRestoreResult(item: item)
        }
    }

    /// `pkg/restore/actions/change_storageclass_action.go`: `spec.storageClassName` of a PVC or PV follows the
    /// ConfigMap; the class it maps onto must exist (`isStorageClassExist`).
    static func changeStorageClassAction(_ item: JSONValue, _ context: RestoreContext) -> BuiltInRestoreResult {
        var result = BuiltInRestoreResult(item: item)
        let config = context.storageClasses
        if let error = config.error {
            result.error = error
            return result
        }
        guard let old = (try? item.string(at: ["spec", "storageClassName"])) ?? nil, !old.isEmpty, let new = config.mapping[old] else {
            return result
        }
        // A StorageClass the backup holds is restored before any PVC (restore priorities), so it exists by then.
        let restoredClass = context.entries(kind: "StorageClass", group: "storage.k8s.io").contains { $0.key.name == new }
        guard config.existingClasses.contains(new) || restoredClass else {
            result.error = "error getting storage class \(new) from API: storageclasses.storage.k8s.io \"\(new)\" not found"
            return result
        }
        try? result.item.setValue(.string(new), at: ["spec", "storageClassName"])
        return result
    }

    /// `pkg/restore/actions/pvc_action.go`: drops the binding and provisioner annotations and the CSI flow's
    /// markers, and names the bound PV.
    static func claimAction(_ item: JSONValue, fromBackup: JSONValue) -> BuiltInRestoreResult {
        var claim = item
        for annotation in [
            "pv.kubernetes.io/bind-completed", "pv.kubernetes.io/bound-by-controller", "volume.kubernetes.io/storage-provisioner",
            "volume.beta.kubernetes.io/storage-provisioner", "volume.kubernetes.io/selected-node", "velero.io/volume-snapshot-name",
            "velero.io/data-upload-name",
        ] {
            _ = claim.removeValue(at: ["metadata", "annotations", .key(annotation)])
        }
        var result = BuiltInRestoreResult(item: claim)
        if (try? fromBackup.string(at: ["status", "phase"])) == "Bound",
            let volume = (try? fromBackup.string(at: ["spec", "volumeName"])) ?? nil, !volume.isEmpty
        {
            result.additionalItems = [ResourceIdentifier(group: "", resource: "persistentvolumes", namespace: "", name: volume)]
        }
        return result
    }

    /// `pkg/restore/actions/csi/pvc_action.go`: the claim is provisioned anew from its snapshot (the VolumeSnapshot
    /// named in the backed-up claim's `velero.io/volume-snapshot-name`, restored first as an additional item), or,
    /// for the data mover, from a DataDownload that needs the DataUpload's result.
    static func csiClaimAction(_ item: JSONValue, fromBackup: JSONValue, key: ObjectKey, _ context: RestoreContext) -> BuiltInRestoreResult {
        var claim = item
        var result = BuiltInRestoreResult(item: item)
        let target = context.spec.targetNamespace(for: key.namespace)
        if context.snapshotMoveData {
            guard let upload = (try? fromBackup.string(at: ["metadata", "annotations", "velero.io/data-upload-name"])) ?? nil else {
                return result  // "PVC doesn't have a DataUpload for data mover"
            }
            let claimUID = ((try? fromBackup.string(at: ["metadata", "uid"])) ?? nil) ?? key.name
            let uploads = context.entries(kind: "DataUpload", group: "velero.io").filter {
                ((try? $0.object.string(at: ["spec", "sourceNamespace"])) ?? nil) == key.namespace
                    && ((try? $0.object.string(at: ["spec", "sourcePVC"])) ?? nil) == key.name
            }
            guard !uploads.isEmpty else {
                result.error = "fail get DataUploadResult for restore: \(context.spec.name): no DataUpload result of PVC \(key.namespace)/\(key.name) (\(upload)) in the backup"
                return result
            }
            _ = claim.removeValue(at: ["spec", "volumeName"])
            let selector = RestoreSimulation.labelValue("\(target).\(key.name).\(Generated.suffix(seed: context.spec.uid + "/" + key.name))")
            try? claim.setValue(.string(selector), at: ["spec", "selector", "matchLabels", "velero.io/dynamic-pv-restore"])
            let operation = RestoreSimulation.labelValue("dd-\(context.spec.uid).\(claimUID)")
            let download: JSONValue = [
                "apiVersion": "velero.io/v2alpha1", "kind": "DataDownload",
                "metadata": [
                    "generateName": .string(context.spec.name + "-"), "namespace": "velero",
                    "name": .string(context.spec.name + "-" + Generated.suffix(seed: "datadownload/" + operation)),
                    "labels": [
                        "velero.io/restore-name": .string(RestoreSimulation.labelValue(context.spec.name)),
                        "velero.io/restore-uid": .string(context.spec.uid), "velero.io/async-operation-id": .string(operation),
                    ],
                ],
                "spec": [
                    "targetVolume": ["pvc": .string(key.name), "namespace": .string(target)], "sourceNamespace": .string(key.namespace),
                    "backupStorageLocation": "default", "operationTimeout": "10m0s",
                    "snapshotID": ((try? uploads[0].object.value(at: ["status", "snapshotID"])) ?? nil) ?? "",
                ],
            ]
            result.item = claim
            result.created = [download]
            return result
        }
        guard let snapshot = (try? fromBackup.string(at: ["metadata", "annotations", "velero.io/volume-snapshot-name"])) ?? nil else {
            return result
        }
        _ = claim.removeValue(at: ["spec", "volumeName"])
        _ = claim.removeValue(at: ["spec", "dataSourceRef"])
        try? claim.setValue(
            ["apiGroup": "snapshot.storage.k8s.io", "kind": "VolumeSnapshot", "name": .string(Generated.sha256Hex(context.spec.uid + "/" + snapshot))],
            at: ["spec", "dataSource"])
        result.item = claim
        result.additionalItems = [ResourceIdentifier(group: "snapshot.storage.k8s.io", resource: "volumesnapshots", namespace: key.namespace, name: snapshot)]
        return result
    }

    /// `csi/volumesnapshot_action.go`: the snapshot is restored under a name derived from the restore, pointing at a
    /// content of the same name, and brings the content it was bound to.
    static func csiSnapshotAction(_ item: JSONValue, fromBackup: JSONValue, _ context: RestoreContext) -> BuiltInRestoreResult {
        var snapshot = item
        var result = BuiltInRestoreResult(item: item)
        let name = ((try? fromBackup.string(at: ["metadata", "name"])) ?? nil) ?? ""
        guard let content = (try? fromBackup.string(at: ["status", "boundVolumeSnapshotContentName"])) ?? nil else {
            result.error = "VS \(name) doesn't have bound VSC"
            return result
        }
        let newName = Generated.sha256Hex(context.spec.uid + "/" + name)
        try? snapshot.setValue(.string(newName), at: ["metadata", "name"])
        try? snapshot.setValue(["volumeSnapshotContentName": .string(newName)], at: ["spec", "source"])
        _ = snapshot.removeValue(at: ["spec", "volumeSnapshotClassName"])
        try? snapshot.setValue("Retain", at: ["metadata", "annotations", "velero.io/csi-vsc-deletion-policy"])
        result.item = snapshot
        result.additionalItems = [ResourceIdentifier(group: "snapshot.storage.k8s.io", resource: "volumesnapshotcontents", namespace: "", name: content)]
        return result
    }

    /// `csi/volumesnapshotcontent_action.go`: a statically provisioned content for the restored snapshot, retained,
    /// sourced from the snapshot handle. The class is the first of the driver's (the preview takes them from the backup).
    static func csiContentAction(_ item: JSONValue, fromBackup: JSONValue, _ context: RestoreContext) -> BuiltInRestoreResult {
        var content = item
        var result = BuiltInRestoreResult(item: item)
        guard let handle = (try? fromBackup.string(at: ["status", "snapshotHandle"])) ?? nil else {
            result.error = "existing VolumeSnapshotContent \(((try? fromBackup.string(at: ["metadata", "name"])) ?? nil) ?? "") has no snapshot handle"
            return result
        }
        let snapshotName = ((try? fromBackup.string(at: ["spec", "volumeSnapshotRef", "name"])) ?? nil) ?? ""
        let newName = Generated.sha256Hex(context.spec.uid + "/" + snapshotName)
        try? content.setValue(.string(newName), at: ["metadata", "name"])
        if let namespace = (try? fromBackup.string(at: ["spec", "volumeSnapshotRef", "namespace"])) ?? nil {
            try? content.setValue(.string(context.spec.targetNamespace(for: namespace)), at: ["spec", "volumeSnapshotRef", "namespace"])
        }
        try? content.setValue(.string(newName), at: ["spec", "volumeSnapshotRef", "name"])
        _ = content.removeValue(at: ["spec", "volumeSnapshotRef", "resourceVersion"])
        _ = content.removeValue(at: ["spec", "volumeSnapshotRef", "uid"])
        try? content.setValue("Retain", at: ["spec", "deletionPolicy"])
        try? content.setValue(["snapshotHandle": .string(handle)], at: ["spec", "source"])
        let driver = (try? fromBackup.string(at: ["spec", "driver"])) ?? nil
        if let snapshotClass = context.entries(kind: "VolumeSnapshotClass", group: "snapshot.storage.k8s.io").first(where: {
            ((try? $0.object.string(at: ["driver"])) ?? nil) == driver
        }) {
            try? content.setValue(.string(snapshotClass.key.name), at: ["spec", "volumeSnapshotClassName"])
        } else {
            _ = content.removeValue(at: ["spec", "volumeSnapshotClassName"])
        }
        result.item = content
        return result
    }

    /// `dataupload_retrieve_action.go`: the DataUpload's result goes into a ConfigMap for the PVC action; the
    /// DataUpload itself is not restored.
    static func dataUploadResult(_ item: JSONValue, fromBackup: JSONValue, _ context: RestoreContext) -> BuiltInRestoreResult {
        let name = ((try? fromBackup.string(at: ["metadata", "name"])) ?? nil) ?? ""
        let namespace = ((try? fromBackup.string(at: ["spec", "sourceNamespace"])) ?? nil) ?? ""
        let claim = ((try? fromBackup.string(at: ["spec", "sourcePVC"])) ?? nil) ?? ""
        let result: JSONValue = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": [
                "generateName": .string(name + "-"), "name": .string(name + "-" + Generated.suffix(seed: "result/" + name)), "namespace": "velero",
                "labels": [
                    "velero.io/restore-uid": .string(context.spec.uid),
                    "velero.io/pvc-namespace-name": .string(RestoreSimulation.labelValue(namespace + "." + claim)),
                    "velero.io/resource-usage": "DataUpload",
                ],
            ],
        ]
        return BuiltInRestoreResult(item: item, skipRestore: true, created: [result])
    }

    /// `restore.go` `restoreItem` for PersistentVolumes: a PV whose claim has a CSI VolumeSnapshot or a DataUpload in
    /// the backup, or whose reclaim policy is Delete, is not restored: the restored claim provisions a new one.
    static func reprovisionReason(_ volume: JSONValue, _ context: RestoreContext) -> String? {
        let claimName = (try? volume.string(at: ["spec", "claimRef", "name"])) ?? nil
        let claimNamespace = (try? volume.string(at: ["spec", "claimRef", "namespace"])) ?? nil
        if let claimName, let claimNamespace {
            let snapshots = context.entries(kind: "VolumeSnapshot", group: "snapshot.storage.k8s.io")
            if snapshots.contains(where: {
                $0.key.namespace == claimNamespace && ((try? $0.object.string(at: ["spec", "source", "persistentVolumeClaimName"])) ?? nil) == claimName
            }) {
                return "Dynamically re-provisioning persistent volume because it has a CSI VolumeSnapshot or a related snapshot DataUpload."
            }
            let uploads = context.entries(kind: "DataUpload", group: "velero.io")
            if uploads.contains(where: {
                ((try? $0.object.string(at: ["spec", "sourceNamespace"])) ?? nil) == claimNamespace
                    && ((try? $0.object.string(at: ["spec", "sourcePVC"])) ?? nil) == claimName
            }) {
                return "Dynamically re-provisioning persistent volume because it has a CSI VolumeSnapshot or a related snapshot DataUpload."
            }
        }
        if ((try? volume.string(at: ["spec", "persistentVolumeReclaimPolicy"])) ?? nil) == "Delete" {
            return "Dynamically re-provisioning persistent volume because it doesn't have a snapshot and its reclaim policy is Delete."
        }
        return nil
    }
}
