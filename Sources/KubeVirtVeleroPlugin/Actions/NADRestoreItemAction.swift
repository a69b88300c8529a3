import Logging
import VeleroPluginKit

/// `kubevirt-velero-plugin/restore-networkattachmentdefinition-action` (D11 in docs/decisions.md; the Go plugin has
/// none). In a namespace-mapped restore, the `netAttachDefName` of a NetworkAttachmentDefinition's CNI config —
/// `"<namespace>/<name>"`, which OVN-Kubernetes requires to be the NAD's own — follows the mapping. The config is a
/// JSON document inside a string: only the bytes of that value change, every other byte of it is kept.
public struct NADRestoreItemAction: RestoreItemAction {
    public static let name = "kubevirt-velero-plugin/restore-networkattachmentdefinition-action"
    static let typeName = "NADRestoreItemAction"
    static let configMember = "netAttachDefName"

    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
        logger.debug("Creating \(Self.typeName)")
    }

    public func appliesTo() throws -> ResourceSelector {
        ResourceSelector(includedResources: ["network-attachment-definitions.k8s.cni.cncf.io"])
    }

    public func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        logger.info("Executing \(Self.typeName)")
        var nad = try KubernetesObject(item: item, kind: "NetworkAttachmentDefinition", actionTypeName: Self.typeName)
        let mapping = try RestoreSettings(restore: restore, actionTypeName: Self.typeName).namespaceMapping
        guard !mapping.isEmpty, let config = try nad.string(["spec", "config"]) else { return .unchanged }
        let original = Array(config.utf8)
        let ranges: [Range<Int>]
        do {
            ranges = try JSONText.topLevelMemberValueRanges(Self.configMember, in: original)
        } catch {
            // The CNI plugin would refuse it too; the object is restored as it was backed up, nothing is lost.
            logger.info("\(nad.reference): spec.config is not JSON (\(error)); restored unchanged")
            return .unchanged
        }
        var edited = original
        // Last to first, so the ranges still to edit keep their offsets.
        for range in ranges.reversed() {
            guard case .string(let reference)? = try? JSONValue.parse(Array(original[range])),
                let mapped = mapping.mappedQualifiedName(reference)
            else { continue }
            edited = JSONText.replacing(range, in: edited, withString: mapped)
            logger.info("\(nad.reference): spec.config \(Self.configMember) \(reference) → \(mapped) (namespace mapping)")
        }
        guard edited != original else { return .unchanged }
        try nad.set(.string(String(decoding: edited, as: UTF8.self)), at: ["spec", "config"])
        return RestoreItemActionOutput(updatedItem: nad.serialized(sizeHint: item.count + edited.count - original.count))
    }
}
