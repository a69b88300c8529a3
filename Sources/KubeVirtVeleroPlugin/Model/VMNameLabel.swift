import Logging
import VeleroPluginKit

/// D13 in docs/decisions.md: the label a restore selects one VM by. The VM backup action (and the VMI backup action
/// for a standalone VMI) sets `velero.kubevirt.io/vm-name=<name>` where the object has no such label and records
/// that it did in `velero.kubevirt.io/vm-name-added: "true"`; the restore actions remove both again, so restored
/// objects carry their live labels. A label the user set (OADP's documented hand-labelling) is left as it is.
enum VMNameLabel {
    /// A label value has at most 63 characters; a longer VM name is shortened as Velero shortens its own label values
    /// (`label.GetValidName`, v1.18.1 pkg/label/label.go): the first 57 characters and the first 6 hex digits of the
    /// name's SHA-256.
    static func value(forVMName name: String) -> String {
        let bytes = Array(name.utf8)
        guard bytes.count > 63 else { return name }
        return String(decoding: bytes.prefix(57), as: UTF8.self) + SHA256Digest.hex(bytes).prefix(6)
    }

    /// Backup: labels `object` (a VM or standalone VMI, labelled with its own name) unless it has the label already;
    /// a shortened value is logged, as the user needs it to select the VM. Returns whether `object` changed.
    static func add(to object: inout KubernetesObject, logger: Logger) throws(ActionError) -> Bool {
        guard try object.label(Label.vmName) == nil else { return false }
        let value = value(forVMName: object.name)
        try object.setLabel(Label.vmName, value)
        try object.setAnnotation(Annotation.vmNameAdded, "true")
        if value != object.name {
            logger.info("\(object.reference): name longer than a label value; labelled \(Label.vmName)=\(value)")
        }
        return true
    }

    /// Restore: removes the label and the record when the backup added them. Returns whether `object` changed.
    static func remove(from object: inout KubernetesObject) throws(ActionError) -> Bool {
        guard try object.annotation(Annotation.vmNameAdded) == "true" else { return false }
        object.removeLabel(Label.vmName)
        object.removeAnnotation(Annotation.vmNameAdded)
        object.dropEmptyMetadataMap("labels")
        object.dropEmptyMetadataMap("annotations")
        return true
    }
}
