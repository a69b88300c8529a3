import Foundation
import LosslessJSON
import Testing

/// `velero-plugin-host backup` / `restore` run as a user runs them, on the examples, through the real plugin binary.
/// The text outputs are compared with golden files reviewed by hand (regenerate with UPDATE_GOLDEN=1).
@Suite struct HostCLITests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let demo = repository + "/examples/demo-namespace"

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the host CLI on a Dispatch thread: the test waits without holding one of Swift concurrency's few
    /// cooperative threads for the seconds a preview takes (on a two-core machine, two blocked threads would starve
    /// every other test's tasks).
    func host(_ arguments: [String]) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.runHost(arguments) })
            }
        }
    }

    private static func runHost(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try BuiltBinaries.path("velero-plugin-host"))
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting: a full pipe would block the child.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        DispatchQueue.global().async(group: group) { errData = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    func golden(_ name: String, _ actual: String) throws {
        let path = Self.repository + "/Tests/EndToEndTests/Golden/" + name
        if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        if expected != actual {
            let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let first = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
            Issue.record("\(name) differs from line \(first + 1): expected \(a.indices.contains(first) ? String(a[first]) : "<end>"), got \(b.indices.contains(first) ? String(b[first]) : "<end>")")
        }
    }

    func json(_ run: Run) throws -> JSONValue {
        try JSONValue.parse(Array(run.stdout.utf8))
    }

    func item(_ report: JSONValue, kind: String, name: String) throws -> JSONObject {
        let items = try #require(try report.array(at: ["items"]))
        return try #require(items.compactMap(\.objectValue).first { $0["kind"]?.stringValue == kind && $0["name"]?.stringValue == name })
    }

    /// `make verify-dist` runs `check --with-api` on the shipped file; this runs it on the debug build, so that a
    /// change in the plugin's API reads shows here first: a running VM backed up over TLS with a token names its VMI,
    /// launcher pod and PVC in three requests (VMI GET, one launcher-pod LIST, PVC GET).
    @Test func checkWithAPIPassesOnTheBuiltPlugin() async throws {
        let run = try await host(["check", try BuiltBinaries.kubevirtPlugin, "--with-api"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("https API:   running VM backup through TLS + token: ok"), "\(run.stdout)")
        #expect(run.stdout.hasSuffix("check passed\n"), "\(run.stdout)")
    }

    @Test func namespaceBackupOfTheDemoMatchesTheGoldenTree() async throws {
        let run = try await host(["backup", "--manifests", Self.demo, "--include-namespaces", "demo"])
        #expect(run.status == 0, "\(run.stderr)")
        try golden("demo-backup.txt", run.stdout)
    }

    /// Velero 1.18's ItemBlocks (`executeItemBlockActions`, depth first): the launcher pod's block holds the PVC it
    /// mounts (velero.io/pod) and that PVC's PV (velero.io/pvc); the CSI action's VolumeSnapshot passes through this
    /// plugin's VolumeSnapshot action; with the data mover a DataUpload is backed up at finalize instead.
    @Test func demoBlocksAndCSIItemsFollowVelero() async throws {
        let run = try await host(["backup", "--manifests", Self.demo, "--include-namespaces", "demo", "-o", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try json(run)
        let blocks = try #require(try report.array(at: ["itemBlocks"]))
        let first = try #require(try blocks.first?.array(at: ["members"])).map { "\($0.objectValue?["kind"]?.stringValue ?? "")/\($0.objectValue?["name"]?.stringValue ?? "")" }
        #expect(first == ["Pod/virt-launcher-fedora-web-x7k2p", "PersistentVolumeClaim/fedora-web-rootdisk", "PersistentVolume/pvc-3eb5e353-8f08-4bde-8f0a-dd3b7ab60412"])
        let claim = try item(report, kind: "PersistentVolumeClaim", name: "fedora-web-rootdisk")
        #expect(claim["actions"]?.arrayValue?.compactMap(\.stringValue) == [
            "velero.io/pv", "velero.io/csi-pvc-backupper", "kubevirt-velero-plugin/backup-datavolume-action", "kubevirt-velero-plugin/backup-pvc-action",
        ])
        let snapshotReference = try #require(claim["additionalItems"]?.arrayValue?.compactMap(\.objectValue).first { $0["kind"]?.stringValue == "VolumeSnapshot" })
        let snapshotName = try #require(snapshotReference["name"]?.stringValue)
        #expect(snapshotName.hasPrefix("velero-fedora-web-rootdisk-"))
        let snapshot = try item(report, kind: "VolumeSnapshot", name: snapshotName)
        #expect(snapshot["actions"]?.arrayValue?.compactMap(\.stringValue) == ["velero.io/csi-volumesnapshot-backupper", "kubevirt-velero-plugin/backup-volumesnapshot-action"])
        let labelled = try #require(snapshot["changes"]?.arrayValue).contains { $0.description.contains("velero.kubevirt.io/pvc-uid") }
        #expect(labelled, "this plugin's VolumeSnapshot action labels the snapshot Velero made")
        #expect(try report.array(at: ["finalized"])?.isEmpty == true)

        let moved = try json(try await host(["backup", "--manifests", Self.demo, "--include-namespaces", "demo", "--snapshot-move-data", "-o", "json"]))
        let finalized = try #require(try moved.array(at: ["finalized"])).compactMap { $0.objectValue?["kind"]?.stringValue }
        #expect(finalized == Array(repeating: "DataUpload", count: 5), "one per PVC")
        let movedClaim = try item(moved, kind: "PersistentVolumeClaim", name: "fedora-web-rootdisk")
        #expect(movedClaim["additionalItems"]?.arrayValue?.contains { $0.objectValue?["kind"]?.stringValue == "VolumeSnapshot" } == false)
    }

    @Test func labelSelectedBackupNestsAdditionalItemsUnderTheVM() async throws {
        let run = try await host(["backup", "--manifests", Self.demo, "--selector", "app=fedora-web", "-o", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try json(run)
        #expect(try report.string(at: ["phase"]) == "Completed")
        // Collected: the selected VM, its secrets and service; the VMI's action brings its DataVolume, whose action
        // brings the PVC, so the PVC is backed up as the DataVolume's additional item with the CDI annotation.
        let vmi = try item(report, kind: "VirtualMachineInstance", name: "fedora-web")
        let references = try #require(vmi["additionalItems"]?.arrayValue)
        let dv = try #require(references.first { $0.objectValue?["kind"] == "DataVolume" })
        #expect(try dv.string(at: ["outcome", "status"]) == "backedUp")
        let pvc = try item(report, kind: "PersistentVolumeClaim", name: "fedora-web-rootdisk")
        let changes = (pvc["changes"]?.arrayValue ?? []).compactMap { $0.objectValue?["path"]?.stringValue }
        #expect(changes.contains(#"metadata.annotations["cdi.kubevirt.io/storage.populatedFor"]"#))
        #expect(changes.contains(#"metadata.labels["velero.kubevirt.io/pvc-uid"]"#))
        let windows = try report.array(at: ["items"])?.contains { $0.objectValue?["name"] == "windows-db" } ?? true
        #expect(!windows, "the selector keeps the other VM out")
    }

    @Test func backupDirectoryRestoresIntoAnotherNamespaceWithTheFlags() async throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try await host(["backup", "--manifests", Self.demo, "--include-namespaces", "demo", "--output", directory + "/b", "--name", "nightly"])
        #expect(backup.status == 0, "\(backup.stderr)")
        let pvcFile = directory + "/b/resources/persistentvolumeclaims/namespaces/demo/fedora-web-rootdisk.json"
        let pvc = try JSONValue.parse(Array(try Data(contentsOf: URL(fileURLWithPath: pvcFile))))
        #expect(try pvc.string(at: ["metadata", "labels", "velero.kubevirt.io/pvc-uid"]) == "3eb5e353-8f08-4bde-8f0a-dd3b7ab60412")
        #expect(FileManager.default.fileExists(atPath: directory + "/b/resources/virtualmachines.kubevirt.io/v1-preferredversion/namespaces/demo/fedora-web.json"))
        #expect(FileManager.default.fileExists(atPath: directory + "/b/velero-backup.json"))

        let restore = try await host([
            "restore", "--from", directory + "/b", "--namespace-mappings", "demo:demo-restored", "--clear-mac-address",
            "--run-strategy", "Halted", "--name", "r1",
        ])
        #expect(restore.status == 0, "\(restore.stderr)")
        try golden("demo-restore.txt", restore.stdout)

        let uuids = try await host(["restore", "--from", directory + "/b", "--generate-new-firmware-uuid", "-o", "json"])
        let report = try json(uuids)
        let vm = try item(report, kind: "VirtualMachine", name: "fedora-web")
        let change = try #require(vm["changes"]?.arrayValue?.first { $0.objectValue?["path"] == "spec.template.spec.domain.firmware.uuid" })
        let old = try #require(try change.string(at: ["old"]))
        let new = try #require(try change.string(at: ["new"]))
        #expect(old == "5d2f6c1e-8b0a-4f3e-9c47-2a61b8e0d913" && new != old && new.count == 36)
        #expect(try report.string(at: ["restore", "spec", "backupName"]) == "nightly", "the backup's name comes from velero-backup.json")
        let launcher = try item(report, kind: "Pod", name: "virt-launcher-fedora-web-x7k2p")
        #expect(try launcher["outcome"].map { try $0.string(at: ["status"]) } == "skipped")
    }

    /// D14: with Velero's change-storage-class ConfigMap in the target cluster (`--manifests`), Velero's own action maps
    /// the PVCs and this plugin the DataVolumes and the VMs' dataVolumeTemplates; a class the map names that the cluster
    /// lacks fails each item, in Velero's words for the PVCs.
    @Test func storageClassMappingReachesDataVolumesAndTemplates() async throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try await host(["backup", "--manifests", Self.demo, "--include-namespaces", "demo", "--output", directory + "/b"])
        #expect(backup.status == 0, "\(backup.stderr)")
        let target = Self.repository + "/examples/restore-target"
        let run = try await host(["restore", "--from", directory + "/b", "--manifests", target, "-o", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try json(run)
        func changedPaths(_ kind: String, _ name: String) throws -> [String] {
            (try item(report, kind: kind, name: name)["changes"]?.arrayValue ?? []).compactMap { $0.objectValue?["path"]?.stringValue }
        }
        #expect(try changedPaths("PersistentVolumeClaim", "fedora-web-rootdisk").contains("spec.storageClassName"))
        #expect(try changedPaths("DataVolume", "fedora-web-rootdisk").contains("spec.storage.storageClassName"))
        #expect(try changedPaths("VirtualMachine", "fedora-web").contains("spec.dataVolumeTemplates[0].spec.storage.storageClassName"))
        #expect(try changedPaths("VirtualMachine", "windows-db").allSatisfy { !$0.contains("storageClassName") })
        let dataVolume = try item(report, kind: "DataVolume", name: "fedora-web-rootdisk")
        let change = dataVolume["changes"]?.arrayValue?.first { $0.objectValue?["path"] == "spec.storage.storageClassName" }
        #expect(change?.objectValue?["old"] == "rook-ceph-block" && change?.objectValue?["new"] == "ceph-nvme")

        #expect(try report.array(at: ["notes"])?.isEmpty == true, "the new class has the snapshots' CSI driver")

        // A class of another CSI driver cannot take the snapshots: the preview says so for each PVC.
        let otherDriver = directory + "/other-driver.yaml"
        try (try String(contentsOfFile: target + "/10-new-storage-class.yaml", encoding: .utf8))
            .replacingOccurrences(of: "provisioner: rook-ceph.rbd.csi.ceph.com", with: "provisioner: ebs.csi.aws.com")
            .write(toFile: otherDriver, atomically: true, encoding: .utf8)
        let moved = try json(try await host(["restore", "--from", directory + "/b", "--manifests", otherDriver, "-o", "json"]))
        let notes = try #require(try moved.array(at: ["notes"])).compactMap(\.stringValue)
        #expect(notes.count == 5, "one per PVC restored from a snapshot: \(notes)")
        #expect(notes.contains {
            $0.hasPrefix("PersistentVolumeClaim demo/fedora-web-rootdisk is restored from VolumeSnapshot demo/velero-fedora-web-rootdisk-")
                && $0.contains("of CSI driver rook-ceph.rbd.csi.ceph.com onto StorageClass ceph-nvme of ebs.csi.aws.com")
        }, "\(notes)")

        // The same ConfigMap without the StorageClass it maps onto.
        let configMapOnly = directory + "/configmap.yaml"
        let text = try String(contentsOfFile: target + "/10-new-storage-class.yaml", encoding: .utf8)
        try String(text[text.range(of: "apiVersion: v1\nkind: ConfigMap")!.lowerBound...]).write(toFile: configMapOnly, atomically: true, encoding: .utf8)
        let failed = try await host(["restore", "--from", directory + "/b", "--manifests", configMapOnly, "-o", "json"])
        #expect(failed.status == 2)
        let errors = try #require(try json(failed).array(at: ["errors"])).compactMap(\.stringValue)
        #expect(errors.contains(
            "error preparing persistentvolumeclaims/demo/fedora-web-rootdisk: error getting storage class ceph-nvme from API: storageclasses.storage.k8s.io \"ceph-nvme\" not found"))
        #expect(errors.contains { $0.hasPrefix("error preparing datavolumes.cdi.kubevirt.io/demo/fedora-web-rootdisk: ")
            && $0.hasSuffix("DataVolume demo/fedora-web-rootdisk: spec.storage.storageClassName: ConfigMap velero/change-storage-class-config maps storage class rook-ceph-block onto ceph-nvme: error getting storage class ceph-nvme from API: storageclasses.storage.k8s.io \"ceph-nvme\" not found") })
    }

    @Test func aRunningVMWhosePodsAreExcludedFailsTheItemLikeVelero() async throws {
        let run = try await host(["backup", "--manifests", Self.demo, "--include-namespaces", "demo", "--exclude-resources", "pods"])
        #expect(run.status == 2, "PartiallyFailed backups exit 2")
        #expect(run.stdout.contains("Error backing up item VirtualMachine demo/fedora-web: error executing custom action"))
        #expect(run.stdout.contains("VM cannot be safely backed up"))
        #expect(run.stdout.contains("Phase: PartiallyFailed"))
    }

    @Test func badManifestsAreRefusedWithFileAndLine() async throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "apiVersion: v1\nkind: Secret\nmetadata:\n  name: [broken\n".write(toFile: directory + "/bad.yaml", atomically: true, encoding: .utf8)
        let invalid = try await host(["backup", "--manifests", directory + "/bad.yaml"])
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains(directory + "/bad.yaml:"), "\(invalid.stderr)")
        #expect(invalid.stdout.isEmpty)

        try "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n".write(toFile: directory + "/unknown.yaml", atomically: true, encoding: .utf8)
        let unknown = try await host(["backup", "--manifests", directory + "/unknown.yaml", "-o", "json"])
        #expect(unknown.status == 0, "a kind the preview does not know is backed up like any other: \(unknown.stderr)")
        let widget = try item(try json(unknown), kind: "Widget", name: "w")
        #expect(widget["resource"]?.stringValue == "widgets" && widget["guessed"]?.boolValue == true)

        // A name that would be a path outside --output is refused before anything is written.
        try "apiVersion: v1\nkind: Secret\nmetadata: {name: ../../escape, namespace: demo}\n".write(toFile: directory + "/escape.yaml", atomically: true, encoding: .utf8)
        let escape = try await host(["backup", "--manifests", directory + "/escape.yaml", "--output", directory + "/out"])
        #expect(escape.status != 0)
        #expect(escape.stderr.contains(#"metadata.name "../../escape" is not a valid object name"#), "\(escape.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/out"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/escape.json"))

        let missing = try await host(["restore", "--from", directory])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("is not a backup directory"))
    }
}
