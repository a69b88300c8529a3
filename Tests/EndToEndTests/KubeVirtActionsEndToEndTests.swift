import Foundation
import LosslessJSON
import PluginHost
import Testing
import VeleroPluginKit

/// Every KubeVirt action through the launched kubevirt-velero-plugin binary, the way Velero calls it. The binary
/// has no Kubernetes API here, so these cases are the ones the reference answers without cluster reads, plus the
/// error an action returns when it needs the API and cannot reach it.
@Suite struct KubeVirtActionsEndToEndTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    static func json(_ bytes: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    static func dig(_ object: [String: Any], _ path: String...) -> Any? {
        var current: Any? = object
        for key in path { current = (current as? [String: Any])?[key] }
        return current
    }

    static let prefix = "kubevirt-velero-plugin/"

    private func withPlugin(_ body: (PluginHost) async throws -> Void) async throws {
        let host = try await PluginHost(
            path: try BuiltBinaries.kubevirtPlugin, arguments: ["--log-level", "debug", "--features=EnableCSI"],
            handshakeTimeout: .seconds(10))
        do {
            try await body(host)
        } catch {
            await host.kill()
            throw error
        }
        let report = await host.kill()
        #expect(report.exitStatus == 0)
        #expect(host.process.stdoutAfterHandshake.isEmpty)
        #expect(host.process.stderrLines.allSatisfy { PluginLogLine($0) != nil })
        #expect(!host.process.stderrLines.compactMap(PluginLogLine.init).contains { $0.level == "error" })
    }

    @Test func pvcBackupLabelsTheUIDAndKeepsEverythingElse() async throws {
        try await withPlugin { host in
            let pvc = try Self.fixture("pvc-rootdisk.json")
            let response = try await host.backupExecute(name: Self.prefix + "backup-pvc-action", item: pvc, backup: Array("{}".utf8))
            let output = try Self.json(response.item)
            let input = try Self.json(pvc)
            let labels = Self.dig(output, "metadata", "labels") as? [String: String]
            #expect(labels?["velero.kubevirt.io/pvc-uid"] == Self.dig(input, "metadata", "uid") as? String)
            #expect(NSDictionary(dictionary: Self.dig(output, "spec") as? [String: Any] ?? [:]).isEqual(to: Self.dig(input, "spec") as? [String: Any] ?? [:]))
            #expect(response.additionalItems.isEmpty)

            let noUID = Array(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"x","namespace":"ns"},"spec":{"big":12345678901234567890}}"#.utf8)
            let unchanged = try await host.backupExecute(name: Self.prefix + "backup-pvc-action", item: noUID, backup: Array("{}".utf8))
            #expect(unchanged.item == noUID, "no change: the request bytes come back")
        }
    }

    @Test func dataVolumeBackupMarksSucceededDVsPrePopulatedAndAddsTheirPVC() async throws {
        try await withPlugin { host in
            let dv = try Self.fixture("datavolume-rootdisk.json")
            let response = try await host.backupExecute(name: Self.prefix + "backup-datavolume-action", item: dv, backup: Array("{}".utf8))
            let annotations = Self.dig(try Self.json(response.item), "metadata", "annotations") as? [String: String]
            #expect(annotations?["cdi.kubevirt.io/storage.prePopulated"] == "fedora-db-rootdisk")
            #expect(annotations?["cdi.kubevirt.io/storage.usePopulator"] != nil)
            #expect(response.additionalItems == [ResourceIdentifier(group: "", resource: "persistentvolumeclaims", namespace: "apps", name: "fedora-db-rootdisk")])
        }
    }

    @Test func vmBackupOfAStoppedVMReturnsItsGraphAndARunningVMWithoutItsVMIIsRefused() async throws {
        try await withPlugin { host in
            let stopped = apiObject(#"""
                {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},
                 "spec":{"runStrategy":"Halted","dataVolumeTemplates":[{"metadata":{"name":"vm1-disk"}}],
                  "template":{"spec":{"domain":{"devices":{}},"volumes":[{"name":"d","dataVolume":{"name":"vm1-disk"}},
                   {"name":"c","cloudInitNoCloud":{"secretRef":{"name":"vm1-cloudinit"}}}]}}},
                 "status":{"printableStatus":"Stopped"}}
                """#)
            let response = try await host.backupExecute(name: Self.prefix + "backup-virtualmachine-action", item: stopped, backup: Array("{}".utf8))
            // D13: the only edit is the label a single-VM restore selects by, with its record.
            var labelled = try JSONValue.parse(response.item)
            #expect(try labelled.string(at: ["metadata", "labels", "velero.kubevirt.io/vm-name"]) == "vm1")
            #expect(try labelled.string(at: ["metadata", "annotations", "velero.kubevirt.io/vm-name-added"]) == "true")
            _ = labelled.removeValue(at: ["metadata", "labels"])
            _ = labelled.removeValue(at: ["metadata", "annotations"])
            #expect(labelled == (try JSONValue.parse(stopped)))
            #expect(response.additionalItems.map(\.description) == [
                "cdi.kubevirt.io/datavolumes ns/vm1-disk", "/persistentvolumeclaims ns/vm1-disk", "/secrets ns/vm1-cloudinit",
            ])

            let running = try Self.fixture("vm-fedora-full.json")
            let backup = Array(#"{"apiVersion":"velero.io/v1","kind":"Backup","spec":{"includedResources":["pods"]}}"#.utf8)
            await #expect {
                _ = try await host.backupExecute(name: Self.prefix + "backup-virtualmachine-action", item: running, backup: backup)
            } throws: { error in
                guard let error = error as? PluginCallError else { return false }
                return error.code == GRPCCode.unknown && error.message.hasPrefix("VM cannot be safely backed up: ")
                    && error.message.contains("apps/fedora-db") && error.stack.count == 1
            }
        }
    }

    /// Items can hold what must not reach a log (cloud-init user data, annotations with credentials), and Velero
    /// keeps plugin log lines with the backup. At debug level, on success and on every kind of error, no log line and
    /// no error text carries an item's content; errors name the object and the field instead.
    @Test func itemContentNeverReachesTheLogOrAnErrorText() async throws {
        let marker = "do-not-log-7f3a9c"
        var texts: [String] = []
        var served: PluginHost?
        try await withPlugin { host in
            served = host
            let vm = apiObject(#"""
                {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns","annotations":{"note":"\#(marker)"}},
                 "spec":{"runStrategy":"Halted","template":{"spec":{"domain":{"devices":{}},
                  "volumes":[{"name":"c","cloudInitNoCloud":{"userData":"#cloud-config\npassword: \#(marker)"}}]}}},
                 "status":{"printableStatus":"Stopped"}}
                """#)
            let running = Array(String(decoding: vm, as: UTF8.self).replacingOccurrences(of: #""runStrategy":"Halted""#, with: #""runStrategy":"Always""#)
                .replacingOccurrences(of: #""printableStatus":"Stopped""#, with: #""printableStatus":"Running""#).utf8)
            let badClaim = Array(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"ns","uid":7,"annotations":{"note":"\#(marker)"}}}"#.utf8)
            let notJSON = Array(#"{"metadata":{"annotations":{"note":"\#(marker)"}},"spec":"#.utf8)
            let calls: [(String, [UInt8])] = [
                ("backup-virtualmachine-action", vm), ("backup-virtualmachine-action", running),
                ("backup-pvc-action", badClaim), ("backup-pvc-action", notJSON), ("backup-virtualmachine-action", notJSON),
            ]
            for (action, item) in calls {
                do {
                    _ = try await host.backupExecute(name: Self.prefix + action, item: item, backup: Array("{}".utf8))
                } catch let error as PluginCallError {
                    texts.append(error.message)
                }
                do {
                    _ = try await host.restoreExecute(
                        name: Self.prefix + "restore-vm-action", item: item, itemFromBackup: item, restore: Array("{}".utf8))
                } catch let error as PluginCallError {
                    texts.append(error.message)
                }
            }
            #expect(texts.count >= 5, "the malformed items were refused: \(texts)")
        }
        let lines = try #require(served).process.stderrLines
        #expect(lines.contains { $0.contains("Executing VMBackupItemAction") }, "the log of the calls was read")
        texts += lines
        #expect(texts.contains { $0.contains("PersistentVolumeClaim ns/p") }, "errors name the object")
        for text in texts { #expect(!text.contains(marker), "\(text)") }
    }

    @Test func vmiBackupRefusesARunningVMIWhosePodIsFilteredOut() async throws {
        try await withPlugin { host in
            let vmi = try Self.fixture("vmi-standalone.json")
            let backup = Array(#"{"spec":{"includedResources":["virtualmachineinstances","virtualmachines","persistentvolumeclaims"]}}"#.utf8)
            await #expect {
                _ = try await host.backupExecute(name: Self.prefix + "backup-virtualmachineinstance-action", item: vmi, backup: backup)
            } throws: { error in
                (error as? PluginCallError)?.message.hasPrefix("VM is running but launcher pod is not included in the backup: ") == true
            }
        }
    }

    @Test func volumeSnapshotBackupNeedsTheAPIAndSaysWhyItIsUnavailable() async throws {
        try await withPlugin { host in
            let snapshot = try Self.fixture("volumesnapshot-rootdisk.json")
            await #expect {
                _ = try await host.backupExecute(name: Self.prefix + "backup-volumesnapshot-action", item: snapshot, backup: Array("{}".utf8))
            } throws: { error in
                (error as? PluginCallError)?.message.hasPrefix("Kubernetes client not available: ") == true
            }
            let sourceless = Array(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"s","namespace":"ns"},"spec":{"source":{"volumeSnapshotContentName":"c"}}}"#.utf8)
            let unchanged = try await host.backupExecute(name: Self.prefix + "backup-volumesnapshot-action", item: sourceless, backup: Array("{}".utf8))
            #expect(unchanged.item == sourceless)
        }
    }

    @Test func vmRestoreAppliesEveryRestoreLabelAndReturnsDependenciesFirst() async throws {
        try await withPlugin { host in
            let vm = try Self.fixture("vm-fedora-full.json")
            let restore = Array(#"""
                {"apiVersion":"velero.io/v1","kind":"Restore","metadata":{"labels":{"velero.kubevirt.io/clear-mac-address":"",
                 "velero.kubevirt.io/generate-new-firmware-uuid":"true","velero.kubevirt.io/restore-run-strategy":"Halted"}}}
                """#.utf8)
            let response = try await host.restoreExecute(name: Self.prefix + "restore-vm-action", item: vm, itemFromBackup: vm, restore: restore)
            let text = String(decoding: response.item, as: UTF8.self)
            #expect(text.contains(#""keepMe":[1,2.50,-0.0,1e300]"#), "number literals survive exactly (D1)")
            let output = try Self.json(response.item)
            #expect(Self.dig(output, "spec", "runStrategy") as? String == "Halted")
            #expect(Self.dig(output, "spec", "running") == nil)
            let interfaces = Self.dig(output, "spec", "template", "spec", "domain", "devices", "interfaces") as? [[String: Any]] ?? []
            #expect(!interfaces.isEmpty && interfaces.allSatisfy { $0["macAddress"] == nil })
            let uuid = Self.dig(output, "spec", "template", "spec", "domain", "firmware", "uuid") as? String
            let original = Self.dig(
                try Self.json(vm),
                "spec", "template", "spec", "domain", "firmware", "uuid") as? String
            #expect(uuid != nil && uuid != original && UUID(uuidString: uuid ?? "") != nil)
            #expect(!response.skipRestore)
            #expect(response.additionalItems.contains { $0.resource == "datavolumes" && $0.name == "fedora-db-rootdisk" })
            #expect(String(decoding: response.item, as: UTF8.self).contains("\"resourceVersion\":\"9007199254740993\""))
        }
    }

    @Test func vmiRestoreSkipsOwnedVMIsAndCleansStandaloneOnes() async throws {
        try await withPlugin { host in
            let owned = apiObject(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"v","namespace":"ns","annotations":{"cdi.kubevirt.io/velero.isOwned":"true"}},"spec":{}}"#)
            let skipped = try await host.restoreExecute(name: Self.prefix + "restore-vmi-action", item: owned, itemFromBackup: owned, restore: Array("{}".utf8))
            #expect(skipped.skipRestore)
            #expect(skipped.item == owned)

            let standalone = try Self.fixture("vmi-standalone.json")
            let restore = Array(#"{"metadata":{"labels":{"velero.kubevirt.io/clear-mac-address":"true"}}}"#.utf8)
            let restored = try await host.restoreExecute(name: Self.prefix + "restore-vmi-action", item: standalone, itemFromBackup: standalone, restore: restore)
            #expect(!restored.skipRestore)
            let output = try Self.json(restored.item)
            let labels = Self.dig(output, "metadata", "labels") as? [String: String] ?? [:]
            #expect(labels["kubevirt.io/nodeName"] == nil)
            let interfaces = Self.dig(output, "spec", "domain", "devices", "interfaces") as? [[String: Any]] ?? []
            #expect(interfaces.allSatisfy { $0["macAddress"] == nil }, "D2: standalone VMIs get new MACs too")
        }
    }

    @Test func pvcAndVolumeSnapshotRestoresRestoreTheUserLabelOrDropOurs() async throws {
        try await withPlugin { host in
            let inProgress = Array(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"ns","annotations":{"kvp.kubevirt.io/storage.inprogress":"dv"}}}"#.utf8)
            let skipped = try await host.restoreExecute(name: Self.prefix + "restore-pvc-action", item: inProgress, itemFromBackup: inProgress, restore: Array("{}".utf8))
            #expect(skipped.skipRestore)

            let collided = Array(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"ns","labels":{"velero.kubevirt.io/pvc-uid":"u1","keep":"k"},"annotations":{"velero.kubevirt.io/original-pvc-uid":"user-value"}}}"#.utf8)
            let restored = try await host.restoreExecute(name: Self.prefix + "restore-pvc-action", item: collided, itemFromBackup: collided, restore: Array("{}".utf8))
            let metadata = Self.dig(try Self.json(restored.item), "metadata") as? [String: Any] ?? [:]
            #expect(metadata["labels"] as? [String: String] == ["velero.kubevirt.io/pvc-uid": "user-value", "keep": "k"])
            #expect((metadata["annotations"] as? [String: String])?["velero.kubevirt.io/original-pvc-uid"] == nil)

            let snapshot = Array(#"{"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","metadata":{"name":"s","namespace":"ns","labels":{"velero.kubevirt.io/pvc-uid":"u1","other":"o"}}}"#.utf8)
            let cleaned = try await host.restoreExecute(name: Self.prefix + "restore-volumesnapshot-action", item: snapshot, itemFromBackup: snapshot, restore: Array("{}".utf8))
            #expect(Self.dig(try Self.json(cleaned.item), "metadata", "labels") as? [String: String] == ["other": "o"])
        }
    }

    @Test func launcherPodsAreNeverRestored() async throws {
        try await withPlugin { host in
            let pod = try Self.fixture("launcher-pod-fedora-db.json")
            let response = try await host.restoreExecute(name: Self.prefix + "restore-pod-action", item: pod, itemFromBackup: pod, restore: Array("{}".utf8))
            #expect(response.skipRestore)
            #expect(response.item == pod)
        }
    }

    @Test func itemBlockActionGroupsAStoppedVMWithItsDisksAndMalformedItemsAreErrors() async throws {
        try await withPlugin { host in
            let vm = apiObject(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"volumes":[{"name":"d","persistentVolumeClaim":{"claimName":"data"}}]}}}}"#)
            let related = try await host.getRelatedItems(name: Self.prefix + "virtualmachine-itemblock-action", item: vm, backup: Array("{}".utf8))
            #expect(related == [ResourceIdentifier(group: "", resource: "persistentvolumeclaims", namespace: "ns", name: "data")])

            for bad in ["[]", "null", "\"x\"", "{not json"] {
                await #expect {
                    _ = try await host.getRelatedItems(name: Self.prefix + "virtualmachine-itemblock-action", item: Array(bad.utf8), backup: Array("{}".utf8))
                } throws: { error in
                    (error as? PluginCallError)?.code == GRPCCode.unknown
                }
                await #expect(throws: PluginCallError.self) {
                    _ = try await host.backupExecute(name: Self.prefix + "backup-virtualmachine-action", item: Array(bad.utf8), backup: Array("{}".utf8))
                }
            }
            #expect(try await host.healthCheck() == HealthCheckResponse.serving, "bad input never takes the process down")
        }
    }
}
