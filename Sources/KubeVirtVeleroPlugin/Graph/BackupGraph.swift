import Logging
import VeleroPluginKit

/// What must be backed up together with a VM, VMI or DataVolume (docs/object-graph.md), in the Go plugin's order.
struct BackupGraph: ObjectGraph {
    let steps: SpecGraphSteps

    init(cluster: ClusterCache, logger: Logger) {
        steps = SpecGraphSteps(cluster: cluster, logger: logger)
    }

    /// The Go plugin's VirtualMachineBackupGraph: revisions, then (if created) the VMI and its launcher pod, then the
    /// template's dependencies.
    func virtualMachine(_ item: VirtualMachineItem) async throws(ActionError) -> GraphResult {
        let vm = item.object
        var result = GraphResult(items: try steps.controllerRevisions(of: vm))
        if try vm.bool(["status", "created"]) == true {
            result.items.append(.virtualMachineInstance(vm.namespace, vm.name))
            await steps.appendLauncherPod(namespace: vm.namespace, vmiName: vm.name, to: &result)
        }
        result.items += try await steps.specDependencies(of: vm, template: .virtualMachine, vmName: vm.name)
        result.items += try steps.dataVolumeTemplateSources(of: vm)
        return result
    }

    /// VirtualMachineInstanceBackupGraph: the launcher pod (always looked for), then the spec's dependencies.
    func virtualMachineInstance(_ vmi: KubernetesObject) async throws(ActionError) -> GraphResult {
        var result = GraphResult()
        await steps.appendLauncherPod(namespace: vmi.namespace, vmiName: vmi.name, vmi: vmi.json, to: &result)
        result.items += try await steps.specDependencies(of: vmi, template: .virtualMachineInstance, vmName: vmi.name)
        return result
    }

    func dataVolumeItem(_ item: JSONValue) throws(ActionError) -> GraphResult {
        try dataVolume(KubernetesObject(fetched: item, kind: "DataVolume"))
    }

    /// DataVolumeBackupGraph: a finished DataVolume brings its PVC; any DataVolume the Secrets and ConfigMaps its
    /// source needs.
    func dataVolume(_ dataVolume: KubernetesObject) throws(ActionError) -> GraphResult {
        var items: [ResourceIdentifier] = []
        if try dataVolume.string(["status", "phase"]) == "Succeeded" {
            items.append(.persistentVolumeClaim(dataVolume.namespace, dataVolume.name))
        }
        items += try DataVolumeSourceReferences.of(dataVolume, spec: ["spec"])
        return GraphResult(items: items)
    }
}
