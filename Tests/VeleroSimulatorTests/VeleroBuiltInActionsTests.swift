import LosslessJSON
import Testing
import VeleroPluginKit
@testable import VeleroSimulator

/// Velero 1.18.1's own actions as the preview models them (VeleroBackupBuiltIns.swift, VeleroRestoreBuiltIns.swift);
/// each expectation is a rule read from Velero's source at that tag, named in the test.
@Suite("Velero's own ItemBlock, backup and restore actions")
struct VeleroBuiltInActionsTests {
    static let catalog = ResourceCatalog.standard

    static func object(_ text: String) throws -> ManifestObject {
        let value = try JSONValue.parse(text)
        let kind = try #require(try value.string(at: ["kind"]))
        let apiVersion = try #require(try value.string(at: ["apiVersion"]))
        let resource = try #require(catalog.resource(apiVersion: apiVersion, kind: kind))
        return ManifestObject(
            object: value, resource: resource, namespace: (try? value.string(at: ["metadata", "namespace"])) ?? nil ?? "",
            name: try #require(try value.string(at: ["metadata", "name"])), location: SourceLocation(file: "test", line: nil))
    }

    static let claim = #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"disk","namespace":"ns","uid":"c1a1-uid","labels":{"app":"web"}},"spec":{"storageClassName":"rbd","volumeName":"pv-disk","resources":{"requests":{"storage":"10Gi"}},"dataSource":{"kind":"VolumeSnapshot","name":"old"}},"status":{"phase":"Bound","capacity":{"storage":"10Gi"}}}"#
    static let volume = #"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv-disk"},"spec":{"claimRef":{"name":"disk","namespace":"ns"},"csi":{"driver":"rbd.csi.ceph.com","volumeHandle":"h-1"},"persistentVolumeReclaimPolicy":"Delete"}}"#
    static let snapshotClass = #"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshotClass","metadata":{"name":"rbd-snap","annotations":{"snapshot.storage.kubernetes.io/is-default-class":"true"}},"driver":"rbd.csi.ceph.com","deletionPolicy":"Delete"}"#
    static let running = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"launcher","namespace":"ns"},"spec":{"nodeName":"n1","priorityClassName":"high","volumes":[{"name":"a","persistentVolumeClaim":{"claimName":"disk"}},{"name":"b","ephemeral":{"volumeClaimTemplate":{}}}]},"status":{"phase":"Running"}}"#
    static let finished = #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"old-launcher","namespace":"ns"},"spec":{"nodeName":"n1","volumes":[{"name":"a","persistentVolumeClaim":{"claimName":"disk"}}]},"status":{"phase":"Succeeded"}}"#

    static func context(_ objects: [ManifestObject], moveData: Bool = false, snapshotVolumes: Bool? = nil) -> BackupContext {
        var spec = BackupSpec()
        spec.snapshotMoveData = moveData
        spec.snapshotVolumes = snapshotVolumes
        var created: [ObjectKey: ManifestObject] = [:]
        for object in objects { created[object.key] = object }
        let table = created
        return BackupContext(
            backupName: spec.name, backupNamespace: spec.namespace, backupUID: spec.uid, spec: spec, csiEnabled: true, catalog: catalog,
            object: { table[$0] },
            objectsOf: { resource, namespace in
                objects.filter { $0.resource == resource && (namespace == nil || $0.namespace == namespace) }
                    .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
            })
    }

    static func id(_ group: String, _ resource: String, _ namespace: String, _ name: String) -> ResourceIdentifier {
        ResourceIdentifier(group: group, resource: resource, namespace: namespace, name: name)
    }

    @Test("velero.io/pod: the PriorityClass, then each persistentVolumeClaim volume; ephemeral volumes are not followed (RelatedItemsForPod)")
    func podRelatedItems() throws {
        #expect(VeleroItemBlockActions.podRelatedItems(try Self.object(Self.running)) == [
            Self.id("scheduling.k8s.io", "priorityclasses", "", "high"), Self.id("", "persistentvolumeclaims", "ns", "disk"),
        ])
    }

    @Test("velero.io/pvc: a bound claim's PV, then the running pods that mount it; nothing for an unbound claim (PVCAction.GetRelatedItems)")
    func claimRelatedItems() throws {
        let context = Self.context([try Self.object(Self.running), try Self.object(Self.finished)])
        #expect(VeleroItemBlockActions.claimRelatedItems(try Self.object(Self.claim), context) == [
            Self.id("", "persistentvolumes", "", "pv-disk"), Self.id("", "pods", "ns", "launcher"),
        ])
        let pending = try Self.object(Self.claim.replacingOccurrences(of: #""phase":"Bound""#, with: #""phase":"Pending""#))
        #expect(VeleroItemBlockActions.claimRelatedItems(pending, context).isEmpty)
    }

    @Test("internal actions run before the plugin's: v1 by name, then the CSI v2 ones, which need EnableCSI")
    func actionOrder() throws {
        let pvc = try #require(Self.catalog.resource(apiVersion: "v1", kind: "PersistentVolumeClaim"))
        #expect(VeleroBackupItemActions.applying(to: pvc, csiEnabled: true) == ["velero.io/pv", "velero.io/csi-pvc-backupper"])
        #expect(VeleroBackupItemActions.applying(to: pvc, csiEnabled: false) == ["velero.io/pv"])
        // v1.18.1 pkg/cmd/server/plugin/plugin.go registers velero.io/change-storage-class for PVCs and PVs (v1).
        #expect(VeleroRestoreItemActions.applying(to: pvc, csiEnabled: true)
            == ["velero.io/change-storage-class", "velero.io/pvc", "velero.io/csi-pvc-restorer"])
        let volume = try #require(Self.catalog.resource(apiVersion: "v1", kind: "PersistentVolume"))
        #expect(VeleroRestoreItemActions.applying(to: volume, csiEnabled: false) == ["velero.io/change-storage-class"])
    }

    @Test("velero.io/pv: the bound PV as additional item; the stored claim loses dataSource (backup_pv_action.go)")
    func persistentVolumeAction() throws {
        let claim = try Self.object(Self.claim)
        let result = VeleroBackupItemActions.persistentVolumeAction(claim.object, claim.key)
        #expect(result.additionalItems == [Self.id("", "persistentvolumes", "", "pv-disk")])
        #expect(((try? result.item.value(at: ["spec", "dataSource"])) ?? nil) == nil)
    }

    @Test("velero.io/csi-pvc-backupper: a VolumeSnapshot velero-<pvc>-<5> with the claim's labels and the backup name, returned as additional item; the claim names it")
    func csiSnapshotOfAClaim() throws {
        let objects = [try Self.object(Self.volume), try Self.object(Self.snapshotClass)]
        let claim = try Self.object(Self.claim)
        let result = CSISnapshotModel(context: Self.context(objects)).backUpClaim(claim.object, claim.key)
        #expect(result.error == nil)
        let snapshot = try #require(result.created.first)
        #expect(snapshot.name.hasPrefix("velero-disk-") && snapshot.name.count == "velero-disk-".count + 5)
        #expect(snapshot.name.dropFirst("velero-disk-".count).allSatisfy { Generated.alphabet.contains($0) })
        #expect(try snapshot.object.string(at: ["metadata", "generateName"]) == "velero-disk-")
        #expect(snapshot.object.labels == ["app": "web", "velero.io/backup-name": "preview-backup"])
        #expect(try snapshot.object.string(at: ["spec", "source", "persistentVolumeClaimName"]) == "disk")
        #expect(try snapshot.object.string(at: ["spec", "volumeSnapshotClassName"]) == "rbd-snap")
        #expect(result.additionalItems == [Self.id("snapshot.storage.k8s.io", "volumesnapshots", "ns", snapshot.name)])
        #expect(result.item.labels["velero.io/volume-snapshot-name"] == snapshot.name)
        #expect(result.item.labels["velero.io/backup-name"] == "preview-backup")
        #expect(try result.item.string(at: ["metadata", "annotations", "velero.io/volume-snapshot-name"]) == snapshot.name)
        #expect(((try? result.item.value(at: ["metadata", "annotations", "backup.velero.io/must-include-additional-items"])) ?? nil) == nil,
            "the server removes the must-include marker before storing the claim")

        let content = try #require(result.created.last)
        let snapshotResult = CSISnapshotModel(context: Self.context(objects + result.created)).backUpSnapshot(snapshot.object, snapshot.key)
        #expect(snapshotResult.additionalItems == [
            Self.id("snapshot.storage.k8s.io", "volumesnapshotclasses", "", "rbd-snap"),
            Self.id("snapshot.storage.k8s.io", "volumesnapshotcontents", "", content.name),
        ])
        #expect(try snapshotResult.item.string(at: ["metadata", "annotations", "velero.io/csi-driver-name"]) == "rbd.csi.ceph.com")
        #expect(try snapshotResult.item.string(at: ["metadata", "annotations", "velero.io/csi-volumesnapshot-restore-size"]) == "10Gi")
    }

    @Test("velero.io/csi-pvc-backupper with snapshotMoveData: a DataUpload in Velero's namespace for the finalize phase, no VolumeSnapshot in the backup")
    func dataMover() throws {
        let claim = try Self.object(Self.claim)
        let result = CSISnapshotModel(context: Self.context([try Self.object(Self.volume), try Self.object(Self.snapshotClass)], moveData: true))
            .backUpClaim(claim.object, claim.key)
        #expect(result.additionalItems.isEmpty)
        let upload = try #require(result.created.first { $0.resource.kind == "DataUpload" })
        #expect(upload.namespace == "velero" && upload.name.hasPrefix("preview-backup-"))
        #expect(upload.object.labels["velero.io/pvc-uid"] == "c1a1-uid" && upload.object.labels["velero.io/backup-name"] == "preview-backup")
        #expect(result.finalizeItems == [upload.key])
        #expect(try result.item.string(at: ["metadata", "annotations", "velero.io/data-upload-name"]) == "velero/" + upload.name)
    }

    @Test("no snapshot: snapshotVolumes false, or a PV without a CSI source; errors: an unbound claim (Velero's three texts), a claim without a storage class")
    func noSnapshot() throws {
        let claim = try Self.object(Self.claim)
        let objects = [try Self.object(Self.volume), try Self.object(Self.snapshotClass)]
        #expect(CSISnapshotModel(context: Self.context(objects, snapshotVolumes: false)).backUpClaim(claim.object, claim.key).created.isEmpty)
        let hostPath = try Self.object(Self.volume.replacingOccurrences(of: #""csi":{"driver":"rbd.csi.ceph.com","volumeHandle":"h-1"}"#, with: #""hostPath":{"path":"/d"}"#))
        let plain = CSISnapshotModel(context: Self.context([hostPath])).backUpClaim(claim.object, claim.key)
        #expect(plain.created.isEmpty && plain.error == nil)
        let noClass = try Self.object(Self.claim.replacingOccurrences(of: #""storageClassName":"rbd","#, with: ""))
        #expect(CSISnapshotModel(context: Self.context(objects)).backUpClaim(noClass.object, noClass.key).error == "Cannot snapshot PVC ns/disk, PVC has no storage class.")
        // kubeutil.GetPVForPVC's errors (Velero 1.18.1 pkg/util/kube/pvc_pv.go), checked in its order.
        let volumeName = try #require(try claim.object.string(at: ["spec", "volumeName"]))
        #expect(CSISnapshotModel(context: Self.context([])).backUpClaim(claim.object, claim.key).error
            == "failed to get PV \(volumeName) for PVC ns/disk: persistentvolumes \"\(volumeName)\" not found")
        var unbound = claim.object
        try unbound.setValue("Pending", at: ["status", "phase"])
        #expect(CSISnapshotModel(context: Self.context(objects)).backUpClaim(unbound, claim.key).error
            == "PVC ns/disk is in phase Pending and is not bound to a volume")
        var noVolume = unbound
        _ = noVolume.removeValue(at: ["spec", "volumeName"])
        #expect(CSISnapshotModel(context: Self.context(objects)).backUpClaim(noVolume, claim.key).error == "PVC ns/disk has no volume backing this claim")
    }

    static func restoreContext(_ objects: [ManifestObject], moveData: Bool = false) -> RestoreContext {
        var entries: [ObjectKey: BackupDirectory.Entry] = [:]
        for object in objects { entries[object.key] = BackupDirectory.Entry(key: object.key, object: object.object, path: "") }
        let backup: JSONValue = ["spec": ["snapshotMoveData": .bool(moveData)]]
        return RestoreContext(spec: RestoreSpec(), backup: backup, entries: entries, catalog: catalog)
    }

    /// pkg/restore/actions/change_storageclass_action.go: the class mapped onto must exist — in the target cluster, or
    /// restored by this restore before the claim (StorageClasses come first in the restore priorities).
    @Test("velero.io/change-storage-class: mapped onto an existing or restored class, else Velero's error; two ConfigMaps fail the claim")
    func changeStorageClass() throws {
        let claim = try Self.object(Self.claim)
        var context = Self.restoreContext([claim])
        context.storageClasses.mapping = ["rbd": "fast"]
        let missing = VeleroRestoreItemActions.changeStorageClassAction(claim.object, context)
        #expect(missing.error == #"error getting storage class fast from API: storageclasses.storage.k8s.io "fast" not found"#)
        context.storageClasses.existingClasses = ["fast"]
        #expect(try VeleroRestoreItemActions.changeStorageClassAction(claim.object, context).item.string(at: ["spec", "storageClassName"]) == "fast")
        let restoredClass = try Self.object(#"{"apiVersion":"storage.k8s.io/v1","kind":"StorageClass","metadata":{"name":"fast"},"provisioner":"x"}"#)
        var withClass = Self.restoreContext([claim, restoredClass])
        withClass.storageClasses.mapping = ["rbd": "fast"]
        #expect(VeleroRestoreItemActions.changeStorageClassAction(claim.object, withClass).error == nil)
        withClass.storageClasses.error = "found more than one ConfigMap"
        #expect(VeleroRestoreItemActions.changeStorageClassAction(claim.object, withClass).error == "found more than one ConfigMap")
    }

    @Test("restore, CSI: the claim is provisioned from the VolumeSnapshot named sha256(<restore uid>/<snapshot>), which it brings as additional item; its PV is re-provisioned")
    func restoreFromSnapshot() throws {
        let backedUp = try Self.object(Self.claim.replacingOccurrences(of: #""labels":{"app":"web"}"#, with: #""labels":{"app":"web"},"annotations":{"velero.io/volume-snapshot-name":"velero-disk-abcde","pv.kubernetes.io/bind-completed":"yes"}"#))
        let snapshot = try Self.object(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"velero-disk-abcde","namespace":"ns"},"spec":{"source":{"persistentVolumeClaimName":"disk"},"volumeSnapshotClassName":"rbd-snap"},"status":{"boundVolumeSnapshotContentName":"snapcontent-1"}}"#)
        let context = Self.restoreContext([backedUp, snapshot])
        let cleaned = RestoreSimulation.cleaned(backedUp.object)
        let first = VeleroRestoreItemActions.claimAction(cleaned, fromBackup: backedUp.object)
        #expect(first.additionalItems == [Self.id("", "persistentvolumes", "", "pv-disk")])
        #expect(((try? first.item.value(at: ["metadata", "annotations", "velero.io/volume-snapshot-name"])) ?? nil) == nil)
        let result = VeleroRestoreItemActions.csiClaimAction(first.item, fromBackup: backedUp.object, key: backedUp.key, context)
        let expectedName = Generated.sha256Hex(RestoreSpec().uid + "/velero-disk-abcde")
        #expect(try result.item.string(at: ["spec", "dataSource", "name"]) == expectedName && expectedName.count == 64)
        #expect(((try? result.item.value(at: ["spec", "volumeName"])) ?? nil) == nil)
        #expect(result.additionalItems == [Self.id("snapshot.storage.k8s.io", "volumesnapshots", "ns", "velero-disk-abcde")])

        let restoredSnapshot = VeleroRestoreItemActions.csiSnapshotAction(RestoreSimulation.cleaned(snapshot.object), fromBackup: snapshot.object, context)
        #expect(try restoredSnapshot.item.string(at: ["metadata", "name"]) == expectedName)
        #expect(restoredSnapshot.additionalItems == [Self.id("snapshot.storage.k8s.io", "volumesnapshotcontents", "", "snapcontent-1")])
        let unbound = try Self.object(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"s","namespace":"ns"},"spec":{}}"#)
        #expect(VeleroRestoreItemActions.csiSnapshotAction(unbound.object, fromBackup: unbound.object, context).error == "VS s doesn't have bound VSC")
        #expect(VeleroRestoreItemActions.reprovisionReason(try Self.object(Self.volume).object, context)?.contains("CSI VolumeSnapshot") == true)
    }

    @Test("restore, data mover: the claim waits for a DataDownload, needs its DataUpload in the backup, brings no snapshot")
    func restoreFromDataUpload() throws {
        let backedUp = try Self.object(Self.claim.replacingOccurrences(of: #""labels":{"app":"web"}"#, with: #""labels":{"app":"web"},"annotations":{"velero.io/data-upload-name":"velero/b-xyz"}"#))
        let upload = try Self.object(#"{"apiVersion":"velero.io/v2alpha1","kind":"DataUpload","metadata":{"name":"b-xyz","namespace":"velero"},"spec":{"sourceNamespace":"ns","sourcePVC":"disk"},"status":{"snapshotID":"s1"}}"#)
        let result = VeleroRestoreItemActions.csiClaimAction(backedUp.object, fromBackup: backedUp.object, key: backedUp.key, Self.restoreContext([backedUp, upload], moveData: true))
        #expect(result.additionalItems.isEmpty && result.error == nil)
        #expect(try result.item.string(at: ["spec", "selector", "matchLabels", "velero.io/dynamic-pv-restore"])?.hasPrefix("ns.disk.") == true)
        #expect(try result.created.first?.string(at: ["kind"]) == "DataDownload")
        let missing = VeleroRestoreItemActions.csiClaimAction(backedUp.object, fromBackup: backedUp.object, key: backedUp.key, Self.restoreContext([backedUp], moveData: true))
        #expect(missing.error?.hasPrefix("fail get DataUploadResult for restore") == true)
        #expect(RestoreSimulation.mustHave == ["datauploads.velero.io", "volumesnapshotcontents.snapshot.storage.k8s.io"])
    }
}
