/// The cluster reads of one plugin process, shared by every action instance and concurrent call (D7): LIST results
/// are cached per namespace; GETs go straight to the reader (they are per object). Creating it makes no request.
struct ClusterCache: Sendable {
    let reader: any ClusterReader
    let launcherPods: LauncherPodIndex
    let claims: PersistentVolumeClaimIndex

    init(reader: any ClusterReader) {
        self.reader = reader
        launcherPods = LauncherPodIndex(reader: reader)
        claims = PersistentVolumeClaimIndex(reader: reader)
    }

    func virtualMachineInstance(namespace: String, name: String) async throws -> JSONValue {
        try await reader.virtualMachineInstance(namespace: namespace, name: name)
    }

    func virtualMachine(namespace: String, name: String) async throws -> JSONValue {
        try await reader.virtualMachine(namespace: namespace, name: name)
    }

    func dataVolume(namespace: String, name: String) async throws -> JSONValue {
        try await reader.dataVolume(namespace: namespace, name: name)
    }

    func persistentVolumeClaim(namespace: String, name: String) async throws -> JSONValue {
        try await reader.persistentVolumeClaim(namespace: namespace, name: name)
    }

    func launcherPod(namespace: String, vmiName: String) async throws -> JSONValue? {
        try await launcherPods.launcherPod(namespace: namespace, vmiName: vmiName)
    }

    func persistentVolumeClaimUID(namespace: String, claimName: String) async throws -> String? {
        try await claims.uid(namespace: namespace, claimName: claimName)
    }

    func backendStorageClaimNames(namespace: String, vmName: String) async throws -> [String] {
        try await claims.backendStorageClaimNames(namespace: namespace, vmName: vmName)
    }
}
