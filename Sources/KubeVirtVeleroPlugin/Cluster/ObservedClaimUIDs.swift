import Synchronization

/// The uid each PVC had when Velero handed it to the PVC backup action. Velero reads the PVC from the API just before
/// backing it up, so this is newer than the cached namespace LIST: a PVC deleted and recreated under the same name
/// after that LIST has a new uid here, and the VolumeSnapshot taken of it must carry the new one.
final class ObservedClaimUIDs: Sendable {
    private let uids = Mutex<[String: String]>([:])

    func record(namespace: String, claimName: String, uid: String) {
        uids.withLock { $0[namespace + "/" + claimName] = uid }
    }

    func uid(namespace: String, claimName: String) -> String? {
        uids.withLock { $0[namespace + "/" + claimName] }
    }
}
