import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D13: the backup labels each VM (and standalone VMI) `velero.kubevirt.io/vm-name=<name>` where it has no such label,
/// recording that it did; the restore removes what the backup added. Velero's side of a label-selected restore is
/// pinned in `EndToEndTests/SingleVMRestoreEndToEndTests.swift`.
@Suite("D13 restore one VM out of a namespace backup")
struct SingleVMRestoreTests {
    static let vm = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"db","namespace":"demo","labels":{"app":"db"}},
         "spec":{"runStrategy":"Halted","template":{"spec":{"domain":{"devices":{}}}}},"status":{"printableStatus":"Stopped"}}
        """#)
    static let standaloneVMI = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"scratch","namespace":"demo"},
         "spec":{"domain":{"devices":{}}},"status":{"phase":"Running","conditions":[{"type":"Paused","status":"True"}]}}
        """#)
    static let added = ["metadata", "annotations", "velero.kubevirt.io/vm-name-added"] as JSONPath
    static let label = ["metadata", "labels", "velero.kubevirt.io/vm-name"] as JSONPath

    @Test("SHA-256 of the FIPS 180-4 test vectors")
    func digest() {
        #expect(SHA256Digest.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256Digest.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256Digest.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256Digest.hex(Array(repeating: UInt8(ascii: "a"), count: 1000))
            == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test("a name of up to 63 characters is the label value; a longer one is shortened as Velero's label.GetValidName does")
    func values() {
        let sixtyThree = String(repeating: "x", count: 63)
        #expect(VMNameLabel.value(forVMName: "db") == "db")
        #expect(VMNameLabel.value(forVMName: sixtyThree) == sixtyThree)
        let long = String(repeating: "a", count: 40) + "-very-long-virtual-machine-name-for-tests"
        // python3: name[:57] + hashlib.sha256(name.encode()).hexdigest()[:6]
        #expect(VMNameLabel.value(forVMName: long) == String(repeating: "a", count: 40) + "-very-long-virtua43b6f0")
    }

    @Test("VM backup: the label and its record are added, every other label kept")
    func vmBackupLabels() async throws {
        let harness = Harness()
        let result = try await harness.backupItem(harness.vmBackup, Self.vm)
        #expect(result.item == Self.vm.with(Self.label, "db").with(Self.added, "true"))
    }

    @Test("VM backup: a vm-name label the user set (OADP's hand-labelling) is kept, whatever its value, and not recorded", arguments: ["db", "other"])
    func vmBackupKeepsUsersLabel(value: String) async throws {
        let harness = Harness()
        let item = Self.vm.with(Self.label, .string(value))
        let result = try await harness.backupItem(harness.vmBackup, item)
        #expect(result.output.updatedItem == nil)
    }

    @Test("VM backup: a name longer than a label value is labelled with the shortened value, and an Info line says so")
    func vmBackupLongName() async throws {
        let harness = Harness()
        let name = String(repeating: "a", count: 40) + "-very-long-virtual-machine-name-for-tests"
        let result = try await harness.backupItem(harness.vmBackup, Self.vm.with(["metadata", "name"], .string(name)))
        let value = String(repeating: "a", count: 40) + "-very-long-virtua43b6f0"
        #expect(try result.item.string(at: Self.label) == value)
        #expect(harness.logs.messages(at: .info).contains(
            "VirtualMachine demo/\(name): name longer than a label value; labelled velero.kubevirt.io/vm-name=\(value)"))
    }

    @Test("VMI backup: a standalone VMI is labelled; a VM's VMI is not (it is never restored)")
    func vmiBackup() async throws {
        let harness = Harness()
        let standalone = try await harness.backupItem(harness.vmiBackup, Self.standaloneVMI)
        #expect(standalone.item == Self.standaloneVMI.with(Self.label, "scratch").with(Self.added, "true"))

        let owned = Self.standaloneVMI.with(
            ["metadata", "ownerReferences"], [["apiVersion": "kubevirt.io/v1", "kind": "VirtualMachine", "name": "scratch", "uid": "u"]])
        harness.reader.configure { $0.virtualMachines["demo/scratch"] = Self.vm.with(["metadata", "name"], "scratch") }
        let ownedResult = try await harness.backupItem(harness.vmiBackup, owned, backup: backup(included: ["virtualmachineinstances", "virtualmachines"]))
        #expect(try ownedResult.item.string(at: Self.label) == nil)
        #expect(try ownedResult.item.string(at: ["metadata", "annotations", "cdi.kubevirt.io/velero.isOwned"]) == "true")
    }

    @Test("restore: what the backup added is removed and the item is as it was live; a user's label stays")
    func restoreRemoves() async throws {
        let harness = Harness()
        let backedUp = try await harness.backupItem(harness.vmBackup, Self.vm).item
        let restored = try await harness.restoreItem(harness.vmRestore, RestoreCleaning.cleaned(backedUp))
        #expect(restored.item == RestoreCleaning.cleaned(Self.vm))

        let usersLabel = Self.vm.with(Self.label, "db")
        let untouched = try await harness.restoreItem(harness.vmRestore, RestoreCleaning.cleaned(usersLabel))
        #expect(untouched.output.updatedItem == nil)

        let vmi = try await harness.backupItem(harness.vmiBackup, Self.standaloneVMI).item
        let restoredVMI = try await harness.restoreItem(harness.vmiRestore, RestoreCleaning.cleaned(vmi))
        #expect(restoredVMI.item == RestoreCleaning.cleaned(Self.standaloneVMI))
    }

    @Test("restore: a label without the record, or a record that is not \"true\", is left alone")
    func restoreNeedsRecord() async throws {
        let harness = Harness()
        for item in [Self.vm.with(Self.label, "db"), Self.vm.with(Self.label, "db").with(Self.added, "false")] {
            let result = try await harness.restoreItem(harness.vmRestore, RestoreCleaning.cleaned(item))
            #expect(result.output.updatedItem == nil)
        }
    }
}

/// What Velero removes before the restore actions see an item (status; the server-set metadata is absent here).
enum RestoreCleaning {
    static func cleaned(_ item: JSONValue) -> JSONValue { item.without(["status"]) }
}
