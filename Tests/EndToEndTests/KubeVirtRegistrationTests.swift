import PluginHost
import Testing
import VeleroPluginKit

/// The kubevirt-velero-plugin binary lists the Go plugin's names and selectors, plus the ItemBlockAction of D8 and
/// the DataVolume and NetworkAttachmentDefinition restore actions of D11 and the operation-object actions of D12
/// (docs/decisions.md), and hides its ItemBlockAction from Velero ≤ 1.14 launches.
@Suite struct KubeVirtRegistrationTests {
    static let expected: [(PluginKind, String, ResourceSelector)] = [
        (.backupItemAction, "kubevirt-velero-plugin/backup-datavolume-action", ResourceSelector(includedResources: ["PersistentVolumeClaim", "DataVolume"])),
        (.backupItemAction, "kubevirt-velero-plugin/backup-pvc-action", ResourceSelector(includedResources: ["PersistentVolumeClaim"])),
        (.backupItemAction, "kubevirt-velero-plugin/backup-virtualmachine-action", ResourceSelector(includedResources: ["VirtualMachine"])),
        (.backupItemAction, "kubevirt-velero-plugin/backup-virtualmachineinstance-action", ResourceSelector(includedResources: ["VirtualMachineInstance"])),
        (.backupItemAction, "kubevirt-velero-plugin/backup-volumesnapshot-action", ResourceSelector(includedResources: ["VolumeSnapshot"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-controllerrevision-action", ResourceSelector(includedResources: ["controllerrevisions.apps"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-datavolume-action", ResourceSelector(includedResources: ["DataVolume"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-networkattachmentdefinition-action",
         ResourceSelector(includedResources: ["network-attachment-definitions.k8s.cni.cncf.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-pod-action", ResourceSelector(includedResources: ["Pod"], selector: "kubevirt.io in (virt-launcher, hotplug-disk)")),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-pvc-action", ResourceSelector(includedResources: ["PersistentVolumeClaim"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-virtualmachinebackup-action", ResourceSelector(includedResources: ["virtualmachinebackups.backup.kubevirt.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-virtualmachineclone-action", ResourceSelector(includedResources: ["virtualmachineclones.clone.kubevirt.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-virtualmachineexport-action", ResourceSelector(includedResources: ["virtualmachineexports.export.kubevirt.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-virtualmachineinstancemigration-action", ResourceSelector(includedResources: ["virtualmachineinstancemigrations.kubevirt.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-virtualmachinepool-action", ResourceSelector(includedResources: ["virtualmachinepools.pool.kubevirt.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-virtualmachinerestore-action", ResourceSelector(includedResources: ["virtualmachinerestores.snapshot.kubevirt.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-virtualmachinesnapshot-action", ResourceSelector(includedResources: ["virtualmachinesnapshots.snapshot.kubevirt.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-virtualmachinesnapshotcontent-action", ResourceSelector(includedResources: ["virtualmachinesnapshotcontents.snapshot.kubevirt.io"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-vm-action", ResourceSelector(includedResources: ["VirtualMachine"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-vmi-action", ResourceSelector(includedResources: ["VirtualMachineInstance"])),
        (.restoreItemAction, "kubevirt-velero-plugin/restore-volumesnapshot-action", ResourceSelector(includedResources: ["VolumeSnapshot"])),
        (.itemBlockAction, "kubevirt-velero-plugin/virtualmachine-itemblock-action", ResourceSelector(includedResources: ["virtualmachines.kubevirt.io"])),
    ]

    @Test func listsTwentyPluginsInListPluginsOrderForVelero115AndLater() async throws {
        let path = try BuiltBinaries.kubevirtPlugin
        let host = try await PluginHost(path: path, arguments: ["--log-level", "debug", "--features=EnableCSI"], handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let plugins = try await host.listPlugins()
        #expect(plugins.map(\.kind) == Self.expected.map(\.0.rawValue))
        #expect(plugins.map(\.name) == Self.expected.map(\.1))
        #expect(plugins.allSatisfy { $0.command == path })
        let log = host.process.stderrLines.compactMap(PluginLogLine.init)
        #expect(log.contains { $0.level == "info" && $0.message.hasPrefix("ItemBlockAction plugins advertised") })
    }

    @Test func everyActionAnswersAppliesToWithTheReferenceSelector() async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        for (kind, name, selector) in Self.expected {
            let answered = try await host.appliesTo(kind: kind, name: name)
            #expect(answered == selector, "\(name)")
        }
    }

    @Test(arguments: [["--log-level", "info"], ["--log-level", "debug", "--features", "EnableCSI"]])
    func legacyVeleroLaunchesDoNotSeeTheItemBlockAction(arguments: [String]) async throws {
        let host = try await PluginHost(path: try BuiltBinaries.kubevirtPlugin, arguments: arguments, handshakeTimeout: .seconds(10))
        defer { Task { await host.kill() } }
        let plugins = try await host.listPlugins()
        #expect(plugins.count == 21)
        #expect(!plugins.contains { $0.kind == "ItemBlockAction" })
        let log = host.process.stderrLines.compactMap(PluginLogLine.init)
        #expect(log.contains { $0.level == "info" && $0.message.hasPrefix("ItemBlockAction plugins not advertised") && $0.message.contains("1.14") })
    }

    @Test func environmentOverridesTheDetectionBothWays() async throws {
        let key = ItemBlockActionGate.environmentVariable
        let forced = try await PluginHost(
            path: try BuiltBinaries.kubevirtPlugin, arguments: ["--log-level", "info"], environment: [key: "enabled"],
            handshakeTimeout: .seconds(10))
        #expect(try await forced.listPlugins().count == 22)
        await forced.kill()

        let hidden = try await PluginHost(
            path: try BuiltBinaries.kubevirtPlugin, arguments: ["--log-level=info", "--features=EnableCSI"],
            environment: [key: "disabled"], handshakeTimeout: .seconds(10))
        #expect(try await hidden.listPlugins().count == 21)
        await hidden.kill()
        #expect(hidden.process.stderrLines.compactMap(PluginLogLine.init).contains { $0.message.contains("\(key)=disabled") })
    }
}
