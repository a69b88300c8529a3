import VeleroPluginKit

/// The references of a VMI spec that KubeVirt hands on to the virt-launcher pod (docs/object-graph.md): without
/// them a restored VM does not start (an image pull secret, a utility-volume PVC, a ResourceClaim) or starts without
/// what its owner configured (a hook sidecar's script, its service account, its priority). Appended after the
/// Multus networks, in this order, without de-duplication.
extension SpecGraphSteps {
    func podReferences(of object: KubernetesObject, template: InstanceTemplate) throws(ActionError) -> [ResourceIdentifier] {
        var items = try imagePullSecrets(of: object, spec: template.spec)
        items += try utilityVolumeClaims(of: object, spec: template.spec)
        if let account = try object.string(template.spec.appending("serviceAccountName")), !account.isEmpty {
            items.append(.serviceAccount(object.namespace, account))
        }
        if let priorityClass = try object.string(template.spec.appending("priorityClassName")), !priorityClass.isEmpty {
            items.append(.priorityClass(priorityClass))
        }
        items += try resourceClaims(of: object, spec: template.spec)
        items += try hookSidecarReferences(of: object, metadata: template.metadata)
        return items
    }

    /// `volumes[].containerDisk.imagePullSecret` in volume order, then the kernel-boot container's.
    private func imagePullSecrets(of object: KubernetesObject, spec: JSONPath) throws(ActionError) -> [ResourceIdentifier] {
        var names: [String] = []
        for index in 0..<(try object.count(spec.appending("volumes"))) {
            if let name = try object.string(spec.appending("volumes", .index(index), "containerDisk", "imagePullSecret")) {
                names.append(name)
            }
        }
        if let name = try object.string(
            spec.appending("domain", "firmware", "kernelBoot", "container", "imagePullSecret"))
        {
            names.append(name)
        }
        return names.filter { !$0.isEmpty }.map { .secret(object.namespace, $0) }
    }

    /// `utilityVolumes[].claimName`: PVCs KubeVirt attaches for its own use (e.g. memory dumps, backups).
    private func utilityVolumeClaims(of object: KubernetesObject, spec: JSONPath) throws(ActionError) -> [ResourceIdentifier] {
        var items: [ResourceIdentifier] = []
        for index in 0..<(try object.count(spec.appending("utilityVolumes"))) {
            if let claim = try object.string(spec.appending("utilityVolumes", .index(index), "claimName")), !claim.isEmpty {
                items.append(.persistentVolumeClaim(object.namespace, claim))
            }
        }
        return items
    }

    /// DRA: `resourceClaims[]` names either a ResourceClaim or a ResourceClaimTemplate in the VM's namespace.
    private func resourceClaims(of object: KubernetesObject, spec: JSONPath) throws(ActionError) -> [ResourceIdentifier] {
        var items: [ResourceIdentifier] = []
        for index in 0..<(try object.count(spec.appending("resourceClaims"))) {
            let claim = spec.appending("resourceClaims", .index(index))
            if let name = try object.string(claim.appending("resourceClaimName")), !name.isEmpty {
                items.append(.resourceClaim(object.namespace, name))
            }
            if let name = try object.string(claim.appending("resourceClaimTemplateName")), !name.isEmpty {
                items.append(.resourceClaimTemplate(object.namespace, name))
            }
        }
        return items
    }

    /// The annotation `hooks.kubevirt.io/hookSidecars` holds a JSON list of sidecars (KubeVirt's `pkg/hooks`,
    /// `HookSidecar`); each may run a script from a ConfigMap (`configMap.name`) or a binary from a PVC
    /// (`pvc.name`). An annotation KubeVirt could not parse either is logged and adds nothing: the VM did not start
    /// with it, so there is nothing it needs.
    private func hookSidecarReferences(
        of object: KubernetesObject, metadata: JSONPath
    ) throws(ActionError) -> [ResourceIdentifier] {
        let annotation = metadata.appending("annotations", .key(Annotation.hookSidecars))
        guard let text = try object.string(annotation) else { return [] }
        let sidecars: [JSONValue]
        do {
            guard let list = try JSONValue.parse(text).arrayValue else {
                throw ActionError("not a JSON list")
            }
            sidecars = list
        } catch {
            logger.warning(
                "Annotation \(Annotation.hookSidecars) of \(object.reference) is not a list of hook sidecars (\(error)); its ConfigMaps and PVCs are not included")
            return []
        }
        var items: [ResourceIdentifier] = []
        for sidecar in sidecars {
            if let name = (try? sidecar.string(at: ["configMap", "name"])) ?? nil, !name.isEmpty {
                items.append(.configMap(object.namespace, name))
            }
            if let name = (try? sidecar.string(at: ["pvc", "name"])) ?? nil, !name.isEmpty {
                items.append(.persistentVolumeClaim(object.namespace, name))
            }
        }
        return items
    }
}
