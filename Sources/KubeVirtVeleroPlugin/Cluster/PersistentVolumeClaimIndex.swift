/// PVCs per namespace from one cached, unfiltered LIST (D7, docs/decisions.md), serving both the VolumeSnapshot
/// source-uid lookup and the backend-storage lookup, so a namespace costs at most one PVC LIST plus one re-list per
/// VolumeSnapshot whose source PVC appeared after it.
struct PersistentVolumeClaimIndex: Sendable {
    private let claims: NamespaceListCache

    /// `lists` is shared with the PVC lookups by name, so both are served by one LIST per namespace.
    init(lists: NamespaceListCache) {
        claims = lists
    }

    /// The `metadata.uid` of PVC `namespace/name` (`""` when it has none), or `nil` if no such PVC exists after at
    /// most one re-list for this name. LIST errors are thrown and not cached.
    func uid(namespace: String, claimName: String) async throws -> String? {
        try await claims.first(.name, equal: claimName, in: namespace).map(Self.uid(of:))
    }

    /// Names of PVCs labelled `persistent-state-for=<vmName>`, in list order. Zero matches never re-list (the
    /// caller falls back to the legacy name, as the reference does).
    func backendStorageClaimNames(namespace: String, vmName: String) async throws -> [String] {
        try await claims.items(in: namespace).all(.label(Label.persistentStateFor), equal: vmName).map { claim in
            (try? claim.string(at: ["metadata", "name"])) ?? ""
        }
    }

    private static func uid(of claim: JSONValue) -> String {
        (try? claim.string(at: ["metadata", "uid"])) ?? ""
    }
}
