import VeleroPluginKit

/// Edits shared by the restore actions.
extension KubernetesObject {
    /// Removes `macAddress` from every interface of the array at `interfaces`, so KubeVirt assigns new ones
    /// (restore label `velero.kubevirt.io/clear-mac-address`). Returns whether anything was removed.
    mutating func removeMACAddresses(interfaces: JSONPath) throws(ActionError) -> Bool {
        var removed = false
        do {
            try json.modifyElements(at: interfaces) { (interface: inout JSONValue, path: JSONPath) throws(JSONPathError) in
                switch interface {
                case .null: return
                case .object: if interface.removeValue(at: ["macAddress"]) != nil { removed = true }
                default: throw JSONPathError(path: path, problem: .typeMismatch(expected: .object, found: interface.kind))
                }
            }
        } catch {
            throw ActionError("\(reference) has an unexpected value: \(error)")
        }
        return removed
    }

    /// Sets `<firmware>.uuid` to a new random v4 UUID, creating the firmware object if needed (restore label
    /// `velero.kubevirt.io/generate-new-firmware-uuid`).
    mutating func setNewFirmwareUUID(firmware: JSONPath) throws(ActionError) {
        try set(.string(FirmwareUUID.random()), at: firmware.appending("uuid"))
    }

    /// Removes `finalizer` from `metadata.finalizers` (the list itself when it ends empty). Returns whether it was there.
    mutating func removeFinalizer(_ finalizer: String) throws(ActionError) -> Bool {
        guard let finalizers = try array(["metadata", "finalizers"]), finalizers.contains(.string(finalizer)) else { return false }
        let kept = finalizers.filter { $0 != .string(finalizer) }
        if kept.isEmpty { remove(["metadata", "finalizers"]) } else { try set(.array(kept), at: ["metadata", "finalizers"]) }
        return true
    }

    /// Removes metadata.labels or metadata.annotations when an edit left it empty (a typed round trip in the
    /// reference drops empty maps too).
    mutating func dropEmptyMetadataMap(_ field: String) {
        if let map = try? json.object(at: ["metadata", .key(field)]), map.isEmpty {
            remove(["metadata", .key(field)])
        }
    }
}

/// The `velero.kubevirt.io/pvc-uid` label on PVCs and VolumeSnapshots: set at backup to the source PVC's uid so a
/// restore can select one VM disk (`--selector velero.kubevirt.io/pvc-uid=<uid>`), and undone at restore (the uid
/// is meaningless in the new cluster). A user's own value of the label travels in an annotation.
enum PVCUIDLabel {
    /// Backup: keep a pre-existing label value in `originalAnnotation` (even when equal), then set the label.
    static func apply(uid: String, to object: inout KubernetesObject, originalAnnotation: String) throws(ActionError) {
        if let existing = try object.label(Label.pvcUID) {
            try object.setAnnotation(originalAnnotation, existing)
        }
        try object.setLabel(Label.pvcUID, uid)
    }

    /// Restore: put the user's value back from `originalAnnotation`, or remove the label. An annotation without the
    /// label is left alone. Returns whether the object changed.
    static func restore(_ object: inout KubernetesObject, originalAnnotation: String) throws(ActionError) -> Bool {
        guard try object.label(Label.pvcUID) != nil else { return false }
        if let original = try object.annotation(originalAnnotation) {
            try object.setLabel(Label.pvcUID, original)
            object.removeAnnotation(originalAnnotation)
            object.dropEmptyMetadataMap("annotations")
        } else {
            object.removeLabel(Label.pvcUID)
            object.dropEmptyMetadataMap("labels")
        }
        return true
    }
}
