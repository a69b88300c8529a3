import Foundation
import LosslessJSON
import Testing

/// D13 through the real plugin binary and the simulated Velero 1.18.1: the demo namespace (three VMs, `windows-db`
/// and `app-server` sharing the block PVC `db-shared-data`, and a standalone VMI) backed up, then one VM restored with
/// `--selector velero.kubevirt.io/vm-name=<vm>`. Velero's rules the outcome rests on (pkg/restore/restore.go,
/// v1.18.1): the selector is applied when the backup's items are collected (`getSelectedRestoreableItems`), not to
/// additional items, which pass the resource and namespace filters only (`restoreItem`); DataUploads and
/// VolumeSnapshotContents are restored whatever the selector (`resourceMustHave`); the CSI PVC action brings the
/// PVC's VolumeSnapshot (pkg/restore/actions/csi/pvc_action.go).
extension HostCLITests {
    struct RestoredItems {
        var report: JSONValue
        /// `Kind ns/name` (or `Kind name`) of every item restored.
        var restored: Set<String>

        init(_ report: JSONValue) throws {
            self.report = report
            var restored: Set<String> = []
            for item in try #require(try report.array(at: ["items"])) {
                guard try item.string(at: ["outcome", "status"]) == "restored" else { continue }
                let kind = try item.string(at: ["kind"]) ?? ""
                let namespace = try item.string(at: ["namespace"]) ?? ""
                let name = try item.string(at: ["name"]) ?? ""
                restored.insert(namespace.isEmpty ? "\(kind) \(name)" : "\(kind) \(namespace)/\(name)")
            }
            self.restored = restored
        }

        /// The restored items other than Velero's must-have VolumeSnapshotContents.
        var selected: Set<String> { restored.filter { !$0.hasPrefix("VolumeSnapshotContent ") } }
    }

    func backupOfTheDemo(_ directory: String, moveData: Bool) async throws -> String {
        let path = directory + (moveData ? "/moved" : "/csi")
        let run = try await host(
            ["backup", "--manifests", Self.demo, "--include-namespaces", "demo", "--output", path] + (moveData ? ["--snapshot-move-data"] : []))
        #expect(run.status == 0, "\(run.stderr)")
        return path
    }

    func restoreOne(_ vm: String, from backup: String) async throws -> RestoredItems {
        let run = try await host(["restore", "--from", backup, "--selector", "velero.kubevirt.io/vm-name=\(vm)", "-o", "json"])
        #expect(run.status == 0, "\(run.stderr)")
        let items = try RestoredItems(try json(run))
        #expect(try items.report.string(at: ["phase"]) == "Completed")
        #expect(try items.report.array(at: ["warnings"])?.isEmpty == true)
        return items
    }

    @Test(arguments: [false, true])
    func oneVMOfTheNamespaceIsRestoredWithExactlyWhatItNeeds(moveData: Bool) async throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try await backupOfTheDemo(directory, moveData: moveData)

        let windows = try await restoreOne("windows-db", from: backup)
        let claims = ["windows-db-disk", "db-shared-data", "persistent-state-for-windows-db-abcde"]
        var expected: Set<String> = [
            "VirtualMachine demo/windows-db", "Secret demo/windows-db-admin-password",
            "ControllerRevision demo/windows-db-db-large-v1beta1-85a6ddaa-5ec9-41dc-b88b-c119eb10f8a5-1",
            "ControllerRevision demo/windows-db-windows-v1beta1-74ff8c5a-c95b-4db6-a3d4-12ebb69bcbed-1",
        ]
        for claim in claims { expected.insert("PersistentVolumeClaim demo/\(claim)") }
        if !moveData {
            // Each PVC's VolumeSnapshot comes as the CSI PVC action's additional item.
            for name in windows.restored where name.hasPrefix("VolumeSnapshot demo/") { expected.insert(name) }
            #expect(windows.restored.filter { $0.hasPrefix("VolumeSnapshot demo/") }.count == 3)
        }
        #expect(windows.selected == expected)

        // Every disk comes back with its data: from its VolumeSnapshot, or from a DataDownload of the data mover.
        for claim in claims {
            let record = try item(windows.report, kind: "PersistentVolumeClaim", name: claim)
            let changes = (record["changes"]?.arrayValue ?? []).compactMap { $0.objectValue?["path"]?.stringValue }
            if moveData {
                // The PV a DataDownload fills is selected by `velero.io/dynamic-pv-restore`.
                let selector = record["changes"]?.arrayValue?.first { $0.objectValue?["path"] == "spec.selector" }
                #expect(selector?.objectValue?["new"]?.objectValue?["matchLabels"]?.objectValue?["velero.io/dynamic-pv-restore"] != nil, "\(claim): \(changes)")
            } else {
                #expect(changes.contains("spec.dataSource"), "\(claim): \(changes)")
            }
        }
        // The restored VM carries its live labels: the selection label the backup added is gone.
        let vm = try item(windows.report, kind: "VirtualMachine", name: "windows-db")
        let vmChanges = (vm["changes"]?.arrayValue ?? []).compactMap { $0.objectValue }
        #expect(vmChanges.contains { $0["path"] == #"metadata.labels["velero.kubevirt.io/vm-name"]"# && $0["op"] == "remove" })
        #expect(vmChanges.contains { $0["path"] == #"metadata.annotations["velero.kubevirt.io/vm-name-added"]"# && $0["op"] == "remove" })

        // The shared PVC comes back with either VM that uses it; nothing of the other VMs comes with it.
        let app = try await restoreOne("app-server", from: backup)
        #expect(app.selected.contains("PersistentVolumeClaim demo/db-shared-data"))
        #expect(app.selected.contains("VirtualMachine demo/app-server"))
        #expect(!app.selected.contains { $0.contains("windows-db") || $0.contains("fedora-web") || $0.contains("scratch-vmi") })
        #expect(!windows.selected.contains { $0.contains("app-server") || $0.contains("fedora-web") || $0.contains("scratch-vmi") })

        // A standalone VMI is selected by its own name.
        let scratch = try await restoreOne("scratch-vmi", from: backup)
        #expect(scratch.selected == ["VirtualMachineInstance demo/scratch-vmi"])
    }

    /// Velero restores every VolumeSnapshotContent of the backup whatever the selector (resourceMustHave): the preview
    /// names those of the disks the restore does not bring back, which bind to nothing.
    @Test func theSnapshotContentsOfTheOtherVMsAreNamedInTheNotes() async throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try await backupOfTheDemo(directory, moveData: false)
        let windows = try await restoreOne("windows-db", from: backup)
        #expect(windows.restored.filter { $0.hasPrefix("VolumeSnapshotContent ") }.count == 6, "one per PVC and the user's snapshot")
        let notes = try #require(try windows.report.array(at: ["notes"])).compactMap(\.stringValue)
        #expect(notes.count == 3, "\(notes)")
        for snapshot in ["velero-app-server-rootdisk-", "velero-fedora-web-rootdisk-", "fedora-web-rootdisk-snap"] {
            #expect(notes.contains { $0.contains("but its VolumeSnapshot demo/\(snapshot)") }, "\(snapshot): \(notes)")
        }
        let whole = try json(try await host(["restore", "--from", backup, "-o", "json"]))
        #expect(try whole.array(at: ["notes"])?.isEmpty == true, "a namespace restore brings every snapshot back")
    }

    /// `restoreItem` checks the resource filter again for additional items: with Secrets excluded, the VM's Secret is
    /// not restored even though the VM names it.
    @Test func additionalItemsOfASelectedVMStillPassTheResourceFilter() async throws {
        let directory = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backup = try await backupOfTheDemo(directory, moveData: false)
        let run = try await host([
            "restore", "--from", backup, "--selector", "velero.kubevirt.io/vm-name=windows-db", "--exclude-resources", "secrets", "-o", "json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let items = try RestoredItems(try json(run))
        #expect(!items.restored.contains("Secret demo/windows-db-admin-password"))
        #expect(items.restored.contains("PersistentVolumeClaim demo/windows-db-disk"))
        let vm = try item(items.report, kind: "VirtualMachine", name: "windows-db")
        let secret = try #require(vm["additionalItems"]?.arrayValue?.first { $0.objectValue?["kind"] == "Secret" })
        #expect(try secret.string(at: ["outcome", "status"]) == "excluded")
    }
}
