import Logging
import VeleroPluginKit

/// The graph steps that read a VM's template spec (`spec.template.spec`) or a VMI's `spec`, shared by the backup and
/// restore graphs. Numbered as the Go plugin's VM backup graph numbers them: 1–2 instancetype and preference
/// revisions, 3 the VMI and its launcher pod, 4 volumes, 5 backend storage, 6 access credentials, 7 Multus networks
/// (docs/object-graph.md lists them for users, numbered differently).
struct SpecGraphSteps: Sendable {
    let cluster: ClusterCache
    let logger: Logger
    /// Restore graphs take the backend-storage PVC names from the VM's annotation when the backup recorded them.
    var readsRecordedBackendStorage = false

    /// Steps 1 and 2: the ControllerRevisions holding the VM's instancetype and preference. The status ref (set by
    /// KubeVirt) wins; without one, the spec revisionName (copied there by the VM backup action) is used — the only
    /// source at restore time because Velero strips status.
    func controllerRevisions(of vm: KubernetesObject) throws(ActionError) -> [ResourceIdentifier] {
        var items: [ResourceIdentifier] = []
        for (specField, statusField) in [("instancetype", "instancetypeRef"), ("preference", "preferenceRef")] {
            guard try vm.hasObject(["spec", .key(specField)]) else { continue }
            if try vm.hasObject(["status", .key(statusField)]) {
                // A status ref without a revision ref yields nothing, even if the spec names a revision.
                if try vm.hasObject(["status", .key(statusField), "controllerRevisionRef"]) {
                    let name = try vm.string(["status", .key(statusField), "controllerRevisionRef", "name"]) ?? ""
                    items.append(.controllerRevision(vm.namespace, name))
                }
            } else if let revision = try vm.string(["spec", .key(specField), "revisionName"]), !revision.isEmpty {
                items.append(.controllerRevision(vm.namespace, revision))
            }
        }
        return items
    }

    /// The launcher pod of VMI `namespace/vmiName`, appended when found; a LIST error is recorded and the graph
    /// continues (step 3). `vmi` is the VMI itself when the graph is the VMI's.
    func appendLauncherPod(
        namespace: String, vmiName: String, vmi: JSONValue? = nil, to result: inout GraphResult
    ) async {
        do {
            if let pod = try await cluster.launcherPod(namespace: namespace, vmiName: vmiName, vmi: vmi) {
                result.items.append(.pod(namespace, (try? pod.string(at: ["metadata", "name"])) ?? ""))
            }
        } catch {
            result.errors.append("failed to get launcher pod from VMI \(namespace)/\(vmiName): \(error)")
        }
    }

    /// Steps 4–7 over the instance template (`spec.template` of a VM, the VMI itself), then the pod-level
    /// references of docs/object-graph.md (image pull secrets, utility volumes, service account, priority class,
    /// DRA claims, hook sidecars); `vmName` names the backend-storage PVCs.
    func specDependencies(
        of object: KubernetesObject, template: InstanceTemplate, vmName: String
    ) async throws(ActionError) -> [ResourceIdentifier] {
        let spec = template.spec
        var items = try volumes(of: object, spec: spec)
        items += try await backendStorage(of: object, spec: spec, vmName: vmName)
        items += try accessCredentials(of: object, spec: spec)
        items += try networkAttachmentDefinitions(of: object, spec: spec)
        items += try podReferences(of: object, template: template)
        return items
    }

    /// Step 4: one branch per volume, the first source present wins.
    func volumes(of object: KubernetesObject, spec: JSONPath) throws(ActionError) -> [ResourceIdentifier] {
        let namespace = object.namespace
        var items: [ResourceIdentifier] = []
        for index in 0..<(try object.count(spec.appending("volumes"))) {
            let volume = spec.appending("volumes", .index(index))
            func has(_ source: JSONPath.Component) throws(ActionError) -> Bool {
                try object.hasObject(volume.appending(source))
            }
            func name(_ components: JSONPath.Component...) throws(ActionError) -> String {
                try object.string(JSONPath(volume.components + components)) ?? ""
            }
            func cloudInitSource() throws(ActionError) -> JSONPath.Component? {
                if try has("cloudInitNoCloud") { return "cloudInitNoCloud" }
                if try has("cloudInitConfigDrive") { return "cloudInitConfigDrive" }
                return nil
            }
            if try has("dataVolume") {
                let dataVolume = try name("dataVolume", "name")
                items += [.dataVolume(namespace, dataVolume), .persistentVolumeClaim(namespace, dataVolume)]
            } else if try has("persistentVolumeClaim") {
                items.append(.persistentVolumeClaim(namespace, try name("persistentVolumeClaim", "claimName")))
            } else if try has("memoryDump") {
                items.append(.persistentVolumeClaim(namespace, try name("memoryDump", "claimName")))
            } else if try has("configMap") {
                items.append(.configMap(namespace, try name("configMap", "name")))
            } else if try has("secret") {
                items.append(.secret(namespace, try name("secret", "secretName")))
            } else if try has("serviceAccount") {
                items.append(.serviceAccount(namespace, try name("serviceAccount", "serviceAccountName")))
            } else if let source = try cloudInitSource() {
                // The JSON keys KubeVirt serves; `userDataSecretRef` is only the Go field's name and never appears.
                for reference in ["secretRef", "networkDataSecretRef"] as [JSONPath.Component] {
                    if try object.hasObject(volume.appending(source, reference)) {
                        items.append(.secret(namespace, try name(source, reference, "name")))
                    }
                }
            } else if try has("sysprep") {
                // D9 (docs/decisions.md): a sysprep answer file comes from a ConfigMap or a Secret.
                if try object.hasObject(volume.appending("sysprep", "configMap")) {
                    items.append(.configMap(namespace, try name("sysprep", "configMap", "name")))
                }
                if try object.hasObject(volume.appending("sysprep", "secret")) {
                    items.append(.secret(namespace, try name("sysprep", "secret", "name")))
                }
            } else if try has("ephemeral") {
                // D9: an ephemeral volume's base disk is a PVC the VM cannot start without.
                if try object.hasObject(volume.appending("ephemeral", "persistentVolumeClaim")) {
                    items.append(.persistentVolumeClaim(namespace, try name("ephemeral", "persistentVolumeClaim", "claimName")))
                }
            }
        }
        return items
    }

    /// Step 5: the PVCs holding persistent TPM or EFI state. A LIST failure is logged and treated like "none found",
    /// which falls back to the name used before KubeVirt 1.4 (reference behaviour).
    func backendStorage(
        of object: KubernetesObject, spec: JSONPath, vmName: String
    ) async throws(ActionError) -> [ResourceIdentifier] {
        let names = try await backendStorageClaimNames(of: object, spec: spec, vmName: vmName) ?? []
        return names.map { .persistentVolumeClaim(object.namespace, $0) }
    }

    /// The names step 5 returns, or `nil` when the spec keeps no persistent TPM or EFI state. A restore graph reads
    /// the names the backup recorded in the annotation `velero.kubevirt.io/backend-storage-pvcs` and makes no API
    /// request: at restore time the live cluster (the original namespace of a mapped restore, a new cluster after a
    /// disaster) does not hold them. Without the annotation (a backup by an older plugin) it lists as the Go plugin.
    func backendStorageClaimNames(
        of object: KubernetesObject, spec: JSONPath, vmName: String
    ) async throws(ActionError) -> [String]? {
        let persistentTPM = try object.bool(spec.appending("domain", "devices", "tpm", "persistent")) == true
        let persistentEFI =
            try object.bool(spec.appending("domain", "firmware", "bootloader", "efi", "persistent")) == true
        guard persistentTPM || persistentEFI else { return nil }
        if readsRecordedBackendStorage, let recorded = try object.annotation(Annotation.backendStoragePVCs) {
            return recorded.split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
        }
        var names: [String] = []
        do {
            names = try await cluster.backendStorageClaimNames(namespace: object.namespace, vmName: vmName)
        } catch {
            logger.warning(
                "Failed to list backend-storage PVCs of \(object.reference), using the legacy name: \(error)")
        }
        if names.isEmpty { names = ["persistent-state-for-\(vmName)"] }
        return names
    }

    /// Step 6: secrets holding SSH keys or passwords injected through access credentials.
    func accessCredentials(of object: KubernetesObject, spec: JSONPath) throws(ActionError) -> [ResourceIdentifier] {
        var items: [ResourceIdentifier] = []
        for index in 0..<(try object.count(spec.appending("accessCredentials"))) {
            let credential = spec.appending("accessCredentials", .index(index))
            for kind in ["sshPublicKey", "userPassword"] as [JSONPath.Component] {
                let secret = credential.appending(kind, "source", "secret")
                if try object.hasObject(secret) {
                    items.append(.secret(object.namespace, try object.string(secret.appending("secretName")) ?? ""))
                    break
                }
            }
        }
        return items
    }

    /// Step 7 (D9): NetworkAttachmentDefinitions of Multus networks in the object's own namespace. References to
    /// another namespace are skipped: restoring them could overwrite another tenant's network.
    func networkAttachmentDefinitions(
        of object: KubernetesObject, spec: JSONPath
    ) throws(ActionError) -> [ResourceIdentifier] {
        var items: [ResourceIdentifier] = []
        for index in 0..<(try object.count(spec.appending("networks"))) {
            let path = spec.appending("networks", .index(index), "multus", "networkName")
            guard let networkName = try object.string(path), !networkName.isEmpty else { continue }
            guard let slash = networkName.firstIndex(of: "/") else {
                items.append(.networkAttachmentDefinition(object.namespace, networkName))
                continue
            }
            let namespace = String(networkName[..<slash])
            let name = String(networkName[networkName.index(after: slash)...])
            if namespace.isEmpty || namespace == object.namespace {
                if !name.isEmpty { items.append(.networkAttachmentDefinition(object.namespace, name)) }
            } else {
                logger.info(
                    "NetworkAttachmentDefinition \(namespace)/\(name) referenced by \(object.reference) is in another namespace; not included"
                )
            }
        }
        return items
    }
}

extension String {
    /// Without leading and trailing spaces (Foundation-free).
    func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
