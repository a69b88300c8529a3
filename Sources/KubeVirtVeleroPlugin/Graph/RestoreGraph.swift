import Logging
import VeleroPluginKit

/// What Velero must restore before a VM or VMI (docs/object-graph.md, "Restore"): the backup graph without the VMI and
/// the launcher pod, which KubeVirt recreates. Backend-storage PVCs are named from the annotation the backup recorded
/// (D11); only a VM backed up without it is looked up in the live restore cluster under its original namespace (the
/// Go plugin's behaviour). Items are named by their backed-up namespaces, where Velero finds them in the backup.
struct RestoreGraph: ObjectGraph {
    let steps: SpecGraphSteps

    init(cluster: ClusterCache, logger: Logger) {
        steps = SpecGraphSteps(cluster: cluster, logger: logger, readsRecordedBackendStorage: true)
    }

    func virtualMachine(_ item: VirtualMachineItem) async throws(ActionError) -> GraphResult {
        let vm = item.object
        var items = try steps.controllerRevisions(of: vm)
        items += try await steps.specDependencies(of: vm, template: .virtualMachine, vmName: vm.name)
        items += try steps.dataVolumeTemplateSources(of: vm)
        return GraphResult(items: items)
    }

    func virtualMachineInstance(_ vmi: KubernetesObject) async throws(ActionError) -> GraphResult {
        GraphResult(items: try await steps.specDependencies(of: vmi, template: .virtualMachineInstance, vmName: vmi.name))
    }
}
