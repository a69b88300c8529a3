import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D3 (docs/decisions.md): resource filter semantics (`*`, short names, group-qualified names, namespace-scoped lists).
@Suite("D3 backup resource filters")
struct D3FilterTests {
    static let runningVM = json(#"""
        {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{}}},
         "status":{"printableStatus":"Running"}}
        """#)

    static func harness() -> Harness {
        Harness(FakeClusterReader { $0.virtualMachineInstances["ns/vm1"] = json(#"{"metadata":{"name":"vm1"}}"#) })
    }

    @Test("the settings of the Backup last read are reused only for the same bytes; errors are not kept")
    func backupSettingsCache() throws {
        let metadataOnly = Array(#"{"metadata":{"labels":{"velero.kubevirt.io/metadataBackup":""}},"spec":{"excludedResources":["pods"]}}"#.utf8)
        let full = Array(#"{"metadata":{},"spec":{"includedResources":["virtualmachines","pvc"]}}"#.utf8)
        for bytes in [metadataOnly, full, metadataOnly, metadataOnly, full] {
            #expect(try BackupSettings.of(backup: bytes, actionTypeName: "T") == BackupSettings(backup: bytes, actionTypeName: "T"))
        }
        #expect(try BackupSettings.of(backup: metadataOnly, actionTypeName: "T").isMetadataBackup)
        #expect(try !BackupSettings.of(backup: full, actionTypeName: "T").isMetadataBackup)
        #expect(throws: ActionError.self) { try BackupSettings.of(backup: Array("[]".utf8), actionTypeName: "T") }
        #expect(throws: ActionError.self) { try BackupSettings.of(backup: Array("[]".utf8), actionTypeName: "T") }
        #expect(try !BackupSettings.of(backup: full, actionTypeName: "T").isMetadataBackup)
    }

    @Test("`*` includes everything: a running VM is safe")
    func starIncludesEverything() async throws {
        let reason = try await Self.harness().vmBackup.unsafeBackupReason(
            KubernetesObject(fetched: Self.runningVM, kind: "VirtualMachine"), filter: filter(included: ["*"]))
        #expect(reason == nil)
        for resource in ["virtualmachines", "virtualmachineinstances", "pods", "persistentvolumeclaims", "datavolume", "persistentvolumes"] {
            #expect(filter(included: ["*"]).includes(resource))
        }
    }

    @Test("`*` in an exclude list is ignored")
    func starInExcludeIgnored() {
        #expect(filter(excluded: ["*"]).includes("pods"))
    }

    @Test("short names: vm, vmi, po, pvc name all four resources")
    func shortNames() {
        let shortNames = filter(included: ["vm", "vmi", "po", "pvc"])
        for resource in ["virtualmachines", "virtualmachineinstances", "pods", "persistentvolumeclaims"] {
            #expect(shortNames.includes(resource), "\(resource)")
        }
        #expect(!shortNames.includes("datavolumes"))
    }

    @Test("dvs includes datavolumes, also when asked for in the singular")
    func dataVolumeShortName() {
        #expect(filter(included: ["dvs"]).includes("datavolumes"))
        #expect(filter(included: ["dvs"]).includes("datavolume"))
        #expect(filter(included: ["DataVolume"]).includes("datavolume"))
    }

    @Test("a group-qualified entry must name the resource's group")
    func groups() {
        #expect(filter(included: ["virtualmachines.kubevirt.io"]).includes("virtualmachines"))
        #expect(filter(included: ["VirtualMachine.KubeVirt.io"]).includes("virtualmachines"))
        #expect(!filter(included: ["virtualmachines.example.com"]).includes("virtualmachines"))
        #expect(!filter(included: ["pods.apps"]).includes("pods"))
        #expect(filter(included: ["pods."]).includes("pods"), "an empty group is the core group")
        #expect(!filter(included: ["virtualmachines."]).includes("virtualmachines"))
        #expect(filter(included: ["datavolumes.cdi.kubevirt.io"]).includes("datavolume"))
    }

    @Test("includedNamespaceScopedResources: a running VM without its VMI is unsafe")
    func scopedIncludes() async throws {
        let backupFilter = try BackupSettings(
            backup: backup(includedScoped: ["virtualmachines"]), actionTypeName: "test"
        ).filter
        #expect(!backupFilter.includes("virtualmachineinstances"))
        let reason = try await Self.harness().vmBackup.unsafeBackupReason(
            KubernetesObject(fetched: Self.runningVM, kind: "VirtualMachine"), filter: backupFilter)
        #expect(reason?.contains("includedNamespaceScopedResources=[virtualmachines]") == true)
    }

    @Test("excludedNamespaceScopedResources: pods excluded while PVCs are included fails a running VMI")
    func scopedExcludes() async {
        let harness = Harness(FakeClusterReader { $0.launcherPods["ns"] = [] })
        let vmi = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vmi1","namespace":"ns"},"spec":{}}"#)
        await expectError(
            startingWith: "VM is running but launcher pod is not included in the backup",
            containing: ["excludedNamespaceScopedResources=[pods]"]
        ) {
            _ = try await harness.backupItem(harness.vmiBackup, vmi, backup: backup(excludedScoped: ["pods"]))
        }
    }

    @Test("old and new include lists together: a resource must be in both")
    func intersection() {
        let both = BackupResourceFilter(
            includedResources: ["pods", "virtualmachines"], includedNamespaceScopedResources: ["virtualmachines", "pvc"])
        #expect(both.includes("virtualmachines"))
        #expect(!both.includes("pods"))
        #expect(!both.includes("persistentvolumeclaims"))
    }

    @Test("resources outside the table keep the reference rule (group ignored)")
    func unknownResources() {
        #expect(filter(included: ["persistentvolumes.anything"]).includes("persistentvolume"))
        #expect(!filter(included: ["persistentvolumes"]).includes("configmaps"))
    }
}

/// D4: only VirtualMachine owners are looked up.
@Suite("D4 VMI owner lookup")
struct D4OwnerLookupTests {
    static let pod = json(#"{"metadata":{"name":"virt-launcher-vmi1-abcde","annotations":{"kubevirt.io/domain":"vmi1"}},"status":{"phase":"Running"}}"#)

    @Test("an owner of another kind causes no VM GET and the VMI is still marked owned")
    func replicaSetOwner() async throws {
        let harness = Harness(FakeClusterReader { $0.launcherPods["ns"] = [Self.pod] })
        let vmi = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vmi1","namespace":"ns","ownerReferences":[{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstanceReplicaSet","name":"rs"}]},"spec":{"volumes":[{"name":"d","persistentVolumeClaim":{"claimName":"missing"}}]}}"#)
        let result = try await harness.backupItem(harness.vmiBackup, vmi, backup: backup(excluded: ["virtualmachines"]))
        #expect(harness.reader.count("GET") == 0, "no VM GET and no RestorePossible GETs: \(harness.reader.calls)")
        #expect(annotations(of: result.item)["cdi.kubevirt.io/velero.isOwned"] == "true")
        #expect(result.extras.contains(.persistentVolumeClaim("ns", "missing")))
    }

    @Test("the VM lookup uses the owner reference's name")
    func ownerName() async throws {
        // Only the VM named by the VirtualMachine owner reference carries the exclude label: the VMI is left as it
        // is (excluded with its VM) exactly when that name is the one looked up.
        let harness = Harness(FakeClusterReader {
            $0.launcherPods["ns"] = [Self.pod]
            $0.virtualMachines["ns/x"] = json(#"{"metadata":{"name":"x"}}"#)
            $0.virtualMachines["ns/other-name"] = json(#"{"metadata":{"name":"other-name","labels":{"velero.io/exclude-from-backup":"true"}}}"#)
        })
        let vmi = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vmi1","namespace":"ns","ownerReferences":[{"kind":"Other","name":"x"},{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","name":"other-name"}]},"spec":{}}"#)
        let result = try await harness.backupItem(harness.vmiBackup, vmi)
        #expect(result.item == vmi && result.extras.isEmpty)
        #expect(harness.reader.calls.first == "LIST virtualmachines.kubevirt.io ns")
    }

    @Test("a missing owner VM fails the item with the API message first")
    func missingOwner() async {
        let harness = Harness(FakeClusterReader { $0.launcherPods["ns"] = [Self.pod] })
        let vmi = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vmi1","namespace":"ns","ownerReferences":[{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","name":"vmi1"}]},"spec":{}}"#)
        await expectError(
            startingWith: #"virtualmachines.kubevirt.io "vmi1" not found"#, containing: ["owner VM of VMI ns/vmi1"]
        ) {
            _ = try await harness.backupItem(harness.vmiBackup, vmi)
        }
    }
}

/// D5: malformed items never crash; every action answers with an error naming itself.
@Suite("D5 malformed items")
struct D5MalformedItemTests {
    static let typeNames: [String: String] = [
        DVBackupItemAction.name: "DVBackupItemAction", PVCBackupItemAction.name: "PVCBackupItemAction",
        VMBackupItemAction.name: "VMBackupItemAction", VMIBackupItemAction.name: "VMIBackupItemAction",
        VolumeSnapshotBackupItemAction.name: "VolumeSnapshotBackupItemAction", PodRestorePlugin.name: "PodRestorePlugin",
        PVCRestoreItemAction.name: "PVCRestoreItemAction", VMRestorePlugin.name: "VMRestorePlugin",
        VMIRestorePlugin.name: "VMIRestorePlugin", VolumeSnapshotRestoreItemAction.name: "VolumeSnapshotRestoreItemAction",
        VMItemBlockAction.name: "VMItemBlockAction",
    ]

    static let malformed: [(String, String)] = [
        ("[]", "found a JSON array"), ("null", "found null"), (#""x""#, "found a JSON string"), ("42", "found a JSON number"),
        (#"{"kind":"#, "at byte offset 8"), ("", "empty input"), ("{}x", "unexpected data"),
    ]

    static func call(_ plugin: KubeVirtPlugin, _ name: String, item: [UInt8], other: [UInt8] = []) async throws {
        if let action = plugin.backupItemActions.first(where: { $0.name == name }) {
            _ = try await action.make().execute(item: item, backup: other.isEmpty ? backup() : other)
        } else if let action = plugin.restoreItemActions.first(where: { $0.name == name }) {
            _ = try await action.make().execute(item: item, itemFromBackup: item, restore: other.isEmpty ? restore() : other)
        } else if let action = plugin.itemBlockActions.first(where: { $0.name == name }) {
            _ = try await action.make().getRelatedItems(item: item, backup: other.isEmpty ? backup() : other)
        } else {
            Issue.record("unknown action \(name)")
        }
    }

    @Test("each action rejects non-object items with `<type name>: item is not a JSON object`", arguments: typeNames.keys.sorted())
    func rejectsNonObjects(action: String) async {
        let plugin = KubeVirtPlugin(clusterReader: FakeClusterReader(), makeLogger: { _ in LogCapture().logger })
        let typeName = Self.typeNames[action] ?? "?"
        for (input, detail) in Self.malformed {
            await expectError(startingWith: "\(typeName): item is not a JSON object: ", containing: [detail]) {
                try await Self.call(plugin, action, item: bytes(input))
            }
        }
    }

    @Test(
        "a VirtualMachine without spec.template is an error naming it",
        arguments: [VMBackupItemAction.name, VMRestorePlugin.name, VMItemBlockAction.name])
    func vmWithoutTemplate(action: String) async {
        let plugin = KubeVirtPlugin(clusterReader: FakeClusterReader(), makeLogger: { _ in LogCapture().logger })
        for spec in [#"{}"#, #"{"template":null}"#, #"{"template":"x"}"#, #"[]"#] {
            let item = bytes(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":"# + spec + "}")
            await expectError(startingWith: "VirtualMachine ns/vm1 has no spec.template") {
                try await Self.call(plugin, action, item: item)
            }
        }
    }

    @Test("missing metadata or metadata.name is an error naming the kind")
    func missingIdentity() async {
        let plugin = KubeVirtPlugin(clusterReader: FakeClusterReader(), makeLogger: { _ in LogCapture().logger })
        await expectError(startingWith: "VMBackupItemAction: VirtualMachine has no metadata") {
            try await Self.call(plugin, VMBackupItemAction.name, item: bytes(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","spec":{}}"#))
        }
        await expectError(startingWith: "VMIRestorePlugin: VirtualMachineInstance in namespace ns has no metadata.name") {
            try await Self.call(plugin, VMIRestorePlugin.name, item: bytes(#"{"metadata":{"namespace":"ns"}}"#))
        }
        await expectError(startingWith: "PVCBackupItemAction: PersistentVolumeClaim has an unexpected value: metadata is a string") {
            try await Self.call(plugin, PVCBackupItemAction.name, item: bytes(#"{"metadata":"x"}"#))
        }
        await expectError(startingWith: "DVBackupItemAction: DataVolume has no metadata.name") {
            try await Self.call(plugin, DVBackupItemAction.name, item: bytes(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":""}}"#))
        }
    }

    @Test("malformed Backup and Restore objects are errors, not crashes")
    func malformedBackupAndRestore() async {
        let plugin = KubeVirtPlugin(clusterReader: FakeClusterReader(), makeLogger: { _ in LogCapture().logger })
        let vm = bytes(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{}}}"#)
        await expectError(startingWith: "VMBackupItemAction: backup is not a JSON object") {
            try await Self.call(plugin, VMBackupItemAction.name, item: vm, other: bytes("[1]"))
        }
        await expectError(startingWith: "Backup velero/b has an unexpected value: spec.includedResources[1] is a number") {
            try await Self.call(
                plugin, VMBackupItemAction.name, item: vm,
                other: bytes(#"{"metadata":{"name":"b","namespace":"velero"},"spec":{"includedResources":["pods",1]}}"#))
        }
        await expectError(startingWith: "VMRestorePlugin: restore is not a JSON object") {
            try await Self.call(plugin, VMRestorePlugin.name, item: vm, other: bytes("nul"))
        }
    }

    @Test("deeply nested items are rejected, not a stack overflow")
    func deepNesting() async {
        let plugin = KubeVirtPlugin(clusterReader: FakeClusterReader(), makeLogger: { _ in LogCapture().logger })
        let deep = #"{"metadata":{"name":"p"},"x":"# + String(repeating: "[", count: 100_000)
        await expectError(startingWith: "PVCBackupItemAction: item is not a JSON object: nesting deeper than 512 levels") {
            try await Self.call(plugin, PVCBackupItemAction.name, item: bytes(deep))
        }
    }

    @Test("odd but well-formed values never trap")
    func oddValues() async throws {
        let harness = Harness(FakeClusterReader { $0.launcherPods["ns"] = [] })
        // Volumes, credentials and networks with nulls, empty objects and missing names.
        let vm = json(#"""
            {"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns","ownerReferences":null},
             "spec":{"instancetype":{},"preference":null,"dataVolumeTemplates":[null,{"metadata":null}],
              "template":{"spec":{"volumes":[null,{},{"dataVolume":{}},{"cloudInitNoCloud":{"secretRef":{}}}],
               "accessCredentials":[null,{},{"sshPublicKey":{"source":{}}}],
               "networks":[null,{"multus":{}},{"multus":{"networkName":"ns/"}},{"multus":{"networkName":"/nad"}}],
               "domain":{"devices":{"interfaces":[null,{}]},"firmware":null}}}},
             "status":{"created":false,"instancetypeRef":{}}}
            """#)
        let output = try await harness.vmBackup.execute(item: bytes(vm), backup: backup(labels: ["velero.kubevirt.io/metadataBackup": ""]))
        #expect(
            output.additionalItems == [
                .dataVolume("ns", ""), .persistentVolumeClaim("ns", ""), .secret("ns", ""),
                .networkAttachmentDefinition("ns", "nad"),
            ])
        let restored = try await harness.vmRestore.execute(
            item: bytes(vm), itemFromBackup: bytes(vm),
            restore: restore(labels: [
                "velero.kubevirt.io/clear-mac-address": "", "velero.kubevirt.io/generate-new-firmware-uuid": "",
                "velero.kubevirt.io/restore-run-strategy": "",
            ]))
        let item = try JSONValue.parse(restored.updatedItem ?? [])
        #expect(try item.string(at: ["spec", "runStrategy"]) == "")
        #expect(isVersion4UUID(try item.string(at: ["spec", "template", "spec", "domain", "firmware", "uuid"]) ?? ""))
    }
}
