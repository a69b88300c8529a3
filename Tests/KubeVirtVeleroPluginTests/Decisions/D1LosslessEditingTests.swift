import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D1 (docs/decisions.md): actions edit raw JSON at exact paths; nothing else in the item changes.
@Suite("D1 lossless raw-JSON editing")
struct D1LosslessEditingTests {
    /// Unknown fields at the top level and nested, a 64-bit integer and number literals a double would change.
    static let unknown = #""x-top":{"n":9007199254740993,"f":[2.50,-0.0,1e300,1E+2]},"metadata":{"x-meta":"keep","#

    /// Inserts the unknown fields into an item whose text starts with `{"metadata":{`.
    static func withUnknownFields(_ itemAfterMetadataBrace: String) -> String {
        "{" + unknown + itemAfterMetadataBrace
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var action: String
        var item: String
        var backupOrRestore: [UInt8]
        var testDescription: String { action }
    }

    /// One changing request per action (the pod restore action never edits, so it is checked for echoing).
    static let cases: [Case] = [
        Case(
            action: DVBackupItemAction.name,
            item: withUnknownFields(#""name":"dv","namespace":"ns"},"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","spec":{"x-spec":{"deep":[{"a":1}]}},"status":{"phase":"Succeeded"}}"#),
            backupOrRestore: backup()),
        Case(
            action: PVCBackupItemAction.name,
            item: withUnknownFields(#""name":"p","namespace":"ns","uid":"u-1"},"apiVersion":"v1","kind":"PersistentVolumeClaim","spec":{"x-spec":{"deep":[{"a":1}]}}}"#),
            backupOrRestore: backup()),
        Case(
            action: VMBackupItemAction.name,
            item: withUnknownFields(#""name":"vm","namespace":"ns"},"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","spec":{"instancetype":{"name":"i"},"template":{"spec":{"x-spec":{"deep":[{"a":1}]}}}},"status":{"instancetypeRef":{"controllerRevisionRef":{"name":"rev-1"}}}}"#),
            backupOrRestore: backup()),
        Case(
            action: VMIBackupItemAction.name,
            item: withUnknownFields(#""name":"vmi","namespace":"ns","ownerReferences":[{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","name":"vmi"}]},"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","spec":{"x-spec":{"deep":[{"a":1}]}},"status":{"conditions":[{"type":"Paused","status":"True"}]}}"#),
            backupOrRestore: backup()),
        Case(
            action: VolumeSnapshotBackupItemAction.name,
            item: withUnknownFields(#""name":"vs","namespace":"ns"},"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","spec":{"source":{"persistentVolumeClaimName":"p"},"x-spec":{"deep":[{"a":1}]}}}"#),
            backupOrRestore: backup()),
        Case(
            action: PVCRestoreItemAction.name,
            item: withUnknownFields(#""name":"p","namespace":"ns","labels":{"velero.kubevirt.io/pvc-uid":"u-1"}},"apiVersion":"v1","kind":"PersistentVolumeClaim","spec":{"x-spec":{"deep":[{"a":1}]}}}"#),
            backupOrRestore: restore()),
        Case(
            action: VMRestorePlugin.name,
            item: withUnknownFields(#""name":"vm","namespace":"ns"},"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","spec":{"running":true,"template":{"spec":{"x-spec":{"deep":[{"a":1}]}}}}}"#),
            backupOrRestore: restore(labels: ["velero.kubevirt.io/restore-run-strategy": "Halted"])),
        Case(
            action: VMIRestorePlugin.name,
            item: withUnknownFields(#""name":"vmi","namespace":"ns","labels":{"kubevirt.io/nodeName":"n1"}},"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","spec":{"x-spec":{"deep":[{"a":1}]}}}"#),
            backupOrRestore: restore()),
        Case(
            action: VolumeSnapshotRestoreItemAction.name,
            item: withUnknownFields(#""name":"vs","namespace":"ns","labels":{"velero.kubevirt.io/pvc-uid":"u-1"}},"apiVersion":"snapshot.storage.k8s.io/v1","kind":"VolumeSnapshot","spec":{"x-spec":{"deep":[{"a":1}]}}}"#),
            backupOrRestore: restore()),
    ]

    static func plugin(_ reader: FakeClusterReader) -> KubeVirtPlugin {
        let logs = LogCapture()
        return KubeVirtPlugin(clusterReader: reader, makeLogger: { _ in logs.logger })
    }

    static func reader() -> FakeClusterReader {
        FakeClusterReader { state in
            state.claimLists["ns"] = [json(#"{"metadata":{"name":"p","uid":"u-1"}}"#)]
            state.virtualMachines["ns/vmi"] = json(#"{"metadata":{"name":"vmi"}}"#)
        }
    }

    /// Runs the named action of the plugin on `item` and returns the response bytes (request bytes when unchanged).
    static func run(_ plugin: KubeVirtPlugin, _ name: String, item: [UInt8], other: [UInt8]) async throws -> [UInt8] {
        if let registration = plugin.backupItemActions.first(where: { $0.name == name }) {
            return try await registration.make().execute(item: item, backup: other).updatedItem ?? item
        }
        if let registration = plugin.restoreItemActions.first(where: { $0.name == name }) {
            return try await registration.make().execute(item: item, itemFromBackup: item, restore: other).updatedItem ?? item
        }
        Issue.record("no action \(name)")
        return []
    }

    @Test("unknown top-level and nested fields and exact number literals survive every editing action", arguments: cases)
    func unknownFieldsSurvive(_ testCase: Case) async throws {
        let plugin = Self.plugin(Self.reader())
        let request = bytes(testCase.item)
        let response = try await Self.run(plugin, testCase.action, item: request, other: testCase.backupOrRestore)
        #expect(response != request, "the case is meant to make a change")
        let text = String(decoding: response, as: UTF8.self)
        #expect(text.contains(#""x-top":{"n":9007199254740993,"f":[2.50,-0.0,1e300,1E+2]}"#), "\(text)")
        #expect(text.contains(#""x-meta":"keep""#))
        #expect(text.contains(#""x-spec":{"deep":[{"a":1}]}"#))
        #expect(text.hasPrefix(#"{"x-top""#), "member order is kept")
        let output = try JSONValue.parse(response)
        let input = try JSONValue.parse(request)
        #expect(try output.string(at: ["kind"]) == input.string(at: ["kind"]))
        #expect(!text.contains("creationTimestamp"))
    }

    @Test("outputs differ from inputs only by the intended edit")
    func onlyIntendedEdits() async throws {
        let plugin = Self.plugin(Self.reader())
        // PVC backup: exactly one label added.
        let claim = json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"ns","uid":"u-1"},"spec":{}}"#)
        let claimOut = try JSONValue.parse(try await Self.run(plugin, PVCBackupItemAction.name, item: bytes(claim), other: backup()))
        #expect(claimOut == claim.with(["metadata", "labels", "velero.kubevirt.io/pvc-uid"], "u-1"))
        // VM backup: exactly the revision name and D13's selection label with its record.
        let vm = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm","namespace":"ns"},"spec":{"preference":{"name":"p"},"template":{"spec":{}}},"status":{"preferenceRef":{"controllerRevisionRef":{"name":"rev-p"}}}}"#)
        let vmOut = try JSONValue.parse(try await Self.run(plugin, VMBackupItemAction.name, item: bytes(vm), other: backup()))
        #expect(vmOut == vm.with(["spec", "preference", "revisionName"], "rev-p")
            .with(["metadata", "labels", "velero.kubevirt.io/vm-name"], "vm").with(["metadata", "annotations", "velero.kubevirt.io/vm-name-added"], "true"))
        // VM restore with a run strategy: runStrategy set, running removed, nothing else.
        let stopped = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm","namespace":"ns"},"spec":{"running":false,"template":{"spec":{}}}}"#)
        let restored = try JSONValue.parse(
            try await Self.run(
                plugin, VMRestorePlugin.name, item: bytes(stopped),
                other: restore(labels: ["velero.kubevirt.io/restore-run-strategy": "Always"])))
        #expect(restored == stopped.without(["spec", "running"]).with(["spec", "runStrategy"], "Always"))
    }

    @Test("a VM backup that needs no mutation (already labelled with its name, D13) returns the request bytes")
    func vmBackupUnchanged() async throws {
        let harness = Harness()
        let item = bytes(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm","namespace":"ns","labels":{"velero.kubevirt.io/vm-name":"vm"}},"spec":{"template":{"spec":{}}},"x":1.0}"#)
        let output = try await harness.vmBackup.execute(item: item, backup: backup())
        #expect(output.updatedItem == nil)
    }

    @Test("a VM backup whose revision names already match returns the request bytes")
    func vmBackupRevisionAlreadySet() async throws {
        let harness = Harness()
        let item = bytes(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm","namespace":"ns","labels":{"velero.kubevirt.io/vm-name":"vm"}},"spec":{"instancetype":{"name":"i","revisionName":"r"},"template":{"spec":{}}},"status":{"instancetypeRef":{"controllerRevisionRef":{"name":"r"}}}}"#)
        let output = try await harness.vmBackup.execute(item: item, backup: backup())
        #expect(output.updatedItem == nil)
        #expect(output.additionalItems == [.controllerRevision("ns", "r")])
    }

    @Test("a VM restore with no labels returns the request bytes")
    func vmRestoreUnchanged() async throws {
        let harness = Harness()
        let item = bytes(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm","namespace":"ns"},"spec":{"running":true,"template":{"spec":{"domain":{"devices":{"interfaces":[{"name":"a","macAddress":"m"}]}}}}}}"#)
        let output = try await harness.vmRestore.execute(item: item, itemFromBackup: item, restore: restore())
        #expect(output.updatedItem == nil)
    }

    @Test(
        "a wrong JSON type at a path an action reads is an error naming the object and the path",
        arguments: [
            (VMBackupItemAction.name, #"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{}}},"status":{"created":"yes"}}"#, "VirtualMachine ns/vm1", "status.created is a string, expected a boolean"),
            (VMBackupItemAction.name, #"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"volumes":{"a":1}}}}}"#, "VirtualMachine ns/vm1", "spec.template.spec.volumes is an object, expected an array"),
            (PVCBackupItemAction.name, #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"ns","uid":7}}"#, "PersistentVolumeClaim ns/p", "metadata.uid is a number, expected a string"),
            (PVCRestoreItemAction.name, #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"ns","labels":["x"]}}"#, "PersistentVolumeClaim ns/p", "metadata.labels is an array, expected an object"),
            (VMRestorePlugin.name, #"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"domain":{"devices":{"interfaces":["eth0"]}}}}}}"#, "VirtualMachine ns/vm1", "spec.template.spec.domain.devices.interfaces[0] is a string, expected an object"),
            (VMIBackupItemAction.name, #"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vmi1","namespace":"ns"},"status":{"conditions":[{"type":"Paused","status":true}]}}"#, "VirtualMachineInstance ns/vmi1", "status.conditions[0].status is a boolean, expected a string"),
        ] as [(String, String, String, String)])
    func wrongType(action: String, item: String, object: String, path: String) async {
        let plugin = Self.plugin(Self.reader())
        let other = action.contains("restore") ? restore(labels: ["velero.kubevirt.io/clear-mac-address": ""]) : backup()
        await expectError(startingWith: object, containing: [path]) {
            _ = try await Self.run(plugin, action, item: bytes(item), other: other)
        }
    }
}

/// D2: a standalone VMI restore applies the MAC and firmware-UUID options to the restored item.
@Suite("D2 standalone VMI restore options")
struct D2StandaloneVMIRestoreTests {
    static let vmi = Fixtures.load("vmi-standalone.json")
    static let interfaces: JSONPath = ["spec", "domain", "devices", "interfaces"]

    @Test("clear-mac-address removes every interface MAC")
    func clearsMACs() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(
            harness.vmiRestore, Self.vmi, restore: restore(labels: ["velero.kubevirt.io/clear-mac-address": ""]))
        let interfaces = try result.item.array(at: Self.interfaces) ?? []
        #expect(interfaces.count == 2)
        #expect(interfaces.allSatisfy { $0.objectValue?["macAddress"] == nil })
        #expect(interfaces.compactMap { $0.objectValue?["name"] } == ["default", "lab-net"])
        #expect(harness.logs.contains("Clear virtual machine MAC addresses"))
    }

    @Test("generate-new-firmware-uuid sets a new random v4 UUID")
    func newUUID() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(
            harness.vmiRestore, Self.vmi, restore: restore(labels: ["velero.kubevirt.io/generate-new-firmware-uuid": "true"]))
        let uuid = try result.item.string(at: ["spec", "domain", "firmware", "uuid"]) ?? ""
        #expect(uuid != "11111111-2222-4333-8444-555555555555")
        #expect(isVersion4UUID(uuid), "\(uuid)")
        #expect(try result.item.string(at: ["spec", "domain", "firmware", "serial"]) == "lab-0001")
        #expect(harness.logs.contains("Generate new firmware UUID"))
    }

    @Test("the UUID is created with its firmware object when the VMI has none")
    func createsFirmware() async throws {
        let harness = Harness()
        let item = Self.vmi.without(["spec", "domain", "firmware"])
        let result = try await harness.restoreItem(
            harness.vmiRestore, item, restore: restore(labels: ["velero.kubevirt.io/generate-new-firmware-uuid": ""]))
        #expect(isVersion4UUID(try result.item.string(at: ["spec", "domain", "firmware", "uuid"]) ?? ""))
    }

    @Test("without labels only the restricted labels are removed")
    func noLabels() async throws {
        let harness = Harness()
        let result = try await harness.restoreItem(harness.vmiRestore, Self.vmi)
        var expected = Self.vmi
        for label in ["kubevirt.io/created-by", "kubevirt.io/nodeName", "kubevirt.io/schedulable"] {
            expected.removeValue(at: ["metadata", "labels", .key(label)])
        }
        #expect(result.item == expected)
    }

    @Test("an owned VMI is skipped before any option is applied")
    func ownedSkipped() async throws {
        let harness = Harness()
        let item = Self.vmi.with(["metadata", "annotations", "cdi.kubevirt.io/velero.isOwned"], "true")
        let result = try await harness.restoreItem(
            harness.vmiRestore, item, restore: restore(labels: ["velero.kubevirt.io/clear-mac-address": ""]))
        #expect(result.output == RestoreItemActionOutput(skipRestore: true))
        #expect(!harness.logs.contains("Clear virtual machine MAC addresses"))
    }

    @Test("UUIDs are v4, lowercase and different every time")
    func uuidFormat() {
        let uuids = (0..<50).map { _ in FirmwareUUID.random() }
        #expect(uuids.allSatisfy(isVersion4UUID))
        #expect(Set(uuids).count == 50)
    }
}

func isVersion4UUID(_ text: String) -> Bool {
    let groups = text.split(separator: "-", omittingEmptySubsequences: false)
    guard groups.map(\.count) == [8, 4, 4, 4, 12] else { return false }
    guard text.allSatisfy({ "0123456789abcdef-".contains($0) }) else { return false }
    return groups[2].first == "4" && "89ab".contains(groups[3].first ?? "x")
}
