/// The cluster reads of one plugin process, shared by every action instance and concurrent call (D7 in
/// docs/decisions.md): one LIST per namespace and resource, cached for the process (one backup or restore) and reduced
/// to `ObjectEssentials`; lookups by name that the LIST cannot answer fall back to a GET. Creating it makes no request.
struct ClusterCache: Sendable {
    let reader: any ClusterReader
    let launcherPods: LauncherPodIndex
    let claims: PersistentVolumeClaimIndex
    let virtualMachineInstances: NamedObjectCache
    let virtualMachines: NamedObjectCache
    let dataVolumes: NamedObjectCache
    let claimsByName: NamedObjectCache
    let virtualMachinePools: NamedObjectCache
    let observedClaimUIDs = ObservedClaimUIDs()
    /// D14: Velero's change-storage-class ConfigMap and the classes it maps onto.
    let storageClassMappings: StorageClassMappings

    init(reader: any ClusterReader) {
        self.reader = reader
        launcherPods = LauncherPodIndex(reader: reader)
        let claimLists = NamespaceListCache { try await reader.list(.persistentVolumeClaims, namespace: $0, labelSelector: nil) }
        claims = PersistentVolumeClaimIndex(lists: claimLists)
        claimsByName = NamedObjectCache(.persistentVolumeClaims, reader: reader, lists: claimLists)
        virtualMachineInstances = NamedObjectCache(.virtualMachineInstances, reader: reader)
        virtualMachines = NamedObjectCache(.virtualMachines, reader: reader)
        dataVolumes = NamedObjectCache(.dataVolumes, reader: reader)
        virtualMachinePools = NamedObjectCache(.virtualMachinePools, reader: reader)
        storageClassMappings = StorageClassMappings(reader: reader)
    }

    func virtualMachineInstance(namespace: String, name: String) async throws -> JSONValue {
        try await virtualMachineInstances.object(namespace: namespace, name: name)
    }

    func virtualMachine(namespace: String, name: String) async throws -> JSONValue {
        try await virtualMachines.object(namespace: namespace, name: name)
    }

    func dataVolume(namespace: String, name: String) async throws -> JSONValue {
        try await dataVolumes.object(namespace: namespace, name: name)
    }

    func persistentVolumeClaim(namespace: String, name: String) async throws -> JSONValue {
        try await claimsByName.object(namespace: namespace, name: name)
    }

    /// The launcher pod running VMI `namespace/vmiName`. `vmi` is the VMI when the caller has it; otherwise it is
    /// read (through this cache) only if a migration leaves two Running candidates, whose node then decides.
    func launcherPod(namespace: String, vmiName: String, vmi: JSONValue? = nil) async throws -> JSONValue? {
        try await launcherPods.launcherPod(namespace: namespace, vmiName: vmiName) {
            let object: JSONValue
            if let vmi { object = vmi } else { object = try await virtualMachineInstance(namespace: namespace, name: vmiName) }
            return try? object.string(at: ["status", "nodeName"])
        }
    }

    /// The uid of PVC `namespace/claimName` from the cached LIST, or `nil` if there is no such PVC. When the PVC
    /// backup action saw the PVC with another uid (it was recreated after the LIST), the PVC is read again: the
    /// API's answer wins over both.
    func persistentVolumeClaimUID(namespace: String, claimName: String) async throws -> String? {
        let listed = try await claims.uid(namespace: namespace, claimName: claimName)
        guard let observed = observedClaimUIDs.uid(namespace: namespace, claimName: claimName), observed != listed else {
            return listed
        }
        do {
            let claim = try await reader.get(.persistentVolumeClaims, namespace: namespace, name: claimName)
            return (try? claim.string(at: ["metadata", "uid"])) ?? ""
        } catch is KubernetesNotFoundError {
            return nil
        }
    }

    func backendStorageClaimNames(namespace: String, vmName: String) async throws -> [String] {
        try await claims.backendStorageClaimNames(namespace: namespace, vmName: vmName)
    }
}
