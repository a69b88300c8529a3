import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// D10 (docs/decisions.md, docs/object-graph.md): the graphs read the JSON keys KubeVirt and CDI publish, and follow
/// every reference of a VMI spec a restored VM needs. Each object here is checked against the published API by
/// `json(_:)`, so a test cannot pass on a key a real API server would drop.
@Suite("D10 references of the published API")
struct D10PublishedAPIGraphTests {
    static let ns = "ns"

    static func vm(_ spec: String, templateAnnotations: String = "{}", vmSpec: String = "") -> KubernetesObject {
        let extra = vmSpec.isEmpty ? "" : "," + vmSpec
        return KubernetesObject(fetched: json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"metadata":{"annotations":"# + templateAnnotations + #"},"spec":"# + spec + "}" + extra + "}}"), kind: "VirtualMachine")
    }

    static func vmi(_ spec: String, annotations: String = "{}") -> KubernetesObject {
        KubernetesObject(fetched: json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vm1","namespace":"ns","annotations":"# + annotations + #"},"spec":"# + spec + "}"), kind: "VirtualMachineInstance")
    }

    /// The four VM/VMI backup and restore graphs over one spec (the VMI backup graph without its launcher pod).
    static func allGraphs(_ spec: String, annotations: String = "{}", _ harness: Harness) async throws -> [[ResourceIdentifier]] {
        [
            try await harness.backupGraph.virtualMachine(vm(spec, templateAnnotations: annotations)).items,
            try await harness.backupGraph.virtualMachineInstance(vmi(spec, annotations: annotations)).items,
            try await harness.restoreGraph.virtualMachine(vm(spec, templateAnnotations: annotations)).items,
            try await harness.restoreGraph.virtualMachineInstance(vmi(spec, annotations: annotations)).items,
        ]
    }

    static let cases: [(String, String, [ResourceIdentifier])] = [
        ("cloudInitNoCloud.secretRef", #"{"volumes":[{"name":"c","cloudInitNoCloud":{"secretRef":{"name":"vm1-userdata"}}}]}"#, [.secret(ns, "vm1-userdata")]),
        ("cloudInitConfigDrive.secretRef", #"{"volumes":[{"name":"c","cloudInitConfigDrive":{"secretRef":{"name":"vm1-userdata"}}}]}"#, [.secret(ns, "vm1-userdata")]),
        ("cloud-init user data, then network data", #"{"volumes":[{"name":"c","cloudInitNoCloud":{"networkDataSecretRef":{"name":"net"},"secretRef":{"name":"user"}}}]}"#, [.secret(ns, "user"), .secret(ns, "net")]),
        ("containerDisk.imagePullSecret", #"{"volumes":[{"name":"root","containerDisk":{"image":"registry.example.com/fedora:41","imagePullSecret":"registry-creds"}}]}"#, [.secret(ns, "registry-creds")]),
        ("kernelBoot.container.imagePullSecret", #"{"domain":{"devices":{},"firmware":{"kernelBoot":{"kernelArgs":"console=ttyS0","container":{"image":"registry.example.com/kernel:6.8","imagePullSecret":"kernel-creds","kernelPath":"/boot/vmlinuz"}}}}}"#, [.secret(ns, "kernel-creds")]),
        ("utilityVolumes[].claimName", #"{"utilityVolumes":[{"name":"dump","claimName":"vm1-memory-dump"}]}"#, [.persistentVolumeClaim(ns, "vm1-memory-dump")]),
        ("serviceAccountName", #"{"serviceAccountName":"vm1-workload"}"#, [.serviceAccount(ns, "vm1-workload")]),
        ("priorityClassName (cluster-scoped)", #"{"priorityClassName":"vm-critical"}"#, [.priorityClass("vm-critical")]),
        ("resourceClaims: claim and template", #"{"resourceClaims":[{"name":"gpu","resourceClaimName":"vm1-gpu"},{"name":"nic","resourceClaimTemplateName":"sriov-nic"}]}"#, [.resourceClaim(ns, "vm1-gpu"), .resourceClaimTemplate(ns, "sriov-nic")]),
    ]

    @Test("each reference appears in every VM/VMI backup and restore graph", arguments: cases)
    func references(name: String, spec: String, expected: [ResourceIdentifier]) async throws {
        let harness = Harness()
        for (graph, items) in try await Self.allGraphs(spec, harness).enumerated() {
            #expect(items == expected, "\(name), graph \(graph)")
        }
    }

    @Test("the Go field name userDataSecretRef is not a key of the API and is not read")
    func goFieldNameIsNotAKey() async throws {
        let vm = KubernetesObject(fetched: json(
            #"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"volumes":[{"name":"c","cloudInitNoCloud":{"userDataSecretRef":{"name":"lost"}}}]}}}}"#,
            deliberatelyUnknown: ["$.spec.template.spec.volumes[0].cloudInitNoCloud.userDataSecretRef"]), kind: "VirtualMachine")
        #expect(try await Harness().backupGraph.virtualMachine(vm).items == [])
    }

    @Test("a PriorityClass identifier is cluster-scoped and a DRA claim is in resource.k8s.io")
    func identifiers() {
        #expect(ResourceIdentifier.priorityClass("p") == ResourceIdentifier(group: "scheduling.k8s.io", resource: "priorityclasses", namespace: "", name: "p"))
        #expect(ResourceIdentifier.resourceClaim("ns", "c").group == "resource.k8s.io")
        #expect(ResourceIdentifier.resourceClaimTemplate("ns", "t").resource == "resourceclaimtemplates")
    }

    static let sidecars = #"{"hooks.kubevirt.io/hookSidecars":"[{\"args\":[\"--version\",\"v1alpha2\"],\"image\":\"quay.io/kubevirt/sidecar-shim:v1.6.0\",\"configMap\":{\"name\":\"vm1-boot-script\",\"key\":\"script.sh\",\"hookPath\":\"/usr/bin/onDefineDomain\"}},{\"image\":\"registry.example.com/hook:1\",\"pvc\":{\"name\":\"hook-binaries\",\"volumePath\":\"/hook\",\"sharedComputePath\":\"/var/run/hook\"}}]"}"#

    @Test("hook sidecars: the ConfigMap of a script and the PVC of a binary, from the template's annotation")
    func hookSidecars() async throws {
        let harness = Harness()
        for (graph, items) in try await Self.allGraphs("{}", annotations: Self.sidecars, harness).enumerated() {
            #expect(items == [.configMap(Self.ns, "vm1-boot-script"), .persistentVolumeClaim(Self.ns, "hook-binaries")], "graph \(graph)")
        }
    }

    @Test("a hook-sidecar annotation that is not a JSON list adds nothing and logs a warning naming the object")
    func malformedHookSidecars() async throws {
        let harness = Harness()
        let items = try await harness.backupGraph.virtualMachineInstance(Self.vmi("{}", annotations: #"{"hooks.kubevirt.io/hookSidecars":"{not json"}"#)).items
        #expect(items == [])
        #expect(harness.logs.messages(at: .warning).contains { $0.contains("hooks.kubevirt.io/hookSidecars") && $0.contains("VirtualMachineInstance ns/vm1") })
    }

    static let templates = #"""
        "dataVolumeTemplates":[
          {"metadata":{"name":"vm1-root"},"spec":{"storage":{"resources":{"requests":{"storage":"30Gi"}}},
            "source":{"http":{"url":"https://images.example.com/fedora.qcow2","secretRef":"http-creds","certConfigMap":"images-ca","secretExtraHeaders":["auth-header","trace-header"]}}}},
          {"metadata":{"name":"vm1-data"},"spec":{"pvc":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"10Gi"}}},
            "source":{"registry":{"url":"docker://registry.example.com/disks/data:1","secretRef":"registry-creds","certConfigMap":"registry-ca"}}}},
          {"metadata":{"name":"vm1-s3"},"spec":{"storage":{},"source":{"s3":{"url":"https://s3.example.com/b/disk.img","secretRef":"s3-creds"}}}},
          {"metadata":{"name":"vm1-gcs"},"spec":{"storage":{},"source":{"gcs":{"url":"gs://bucket/disk.img","secretRef":"gcs-creds"}}}},
          {"metadata":{"name":"vm1-ovirt"},"spec":{"storage":{},"source":{"imageio":{"url":"https://engine.example.com/ovirt-engine/api","diskId":"d1","secretRef":"ovirt-creds","certConfigMap":"ovirt-ca"}}}},
          {"metadata":{"name":"vm1-vmware"},"spec":{"storage":{},"source":{"vddk":{"url":"https://vcenter.example.com","uuid":"4219","backingFile":"[ds] vm/vm.vmdk","thumbprint":"AA:BB","secretRef":"vddk-creds","initImageURL":"registry.example.com/vddk:8"}}}},
          {"metadata":{"name":"vm1-clone"},"spec":{"storage":{},"source":{"pvc":{"namespace":"golden-images","name":"fedora-41"}}}},
          {"metadata":{"name":"vm1-from-source"},"spec":{"storage":{},"sourceRef":{"kind":"DataSource","namespace":"openshift-virtualization-os-images","name":"fedora"}}}]
        """#

    static let templateReferences: [ResourceIdentifier] = [
        .secret(ns, "http-creds"), .configMap(ns, "images-ca"), .secret(ns, "auth-header"), .secret(ns, "trace-header"),
        .secret(ns, "registry-creds"), .configMap(ns, "registry-ca"),
        .secret(ns, "s3-creds"), .secret(ns, "gcs-creds"), .secret(ns, "ovirt-creds"), .configMap(ns, "ovirt-ca"),
        .secret(ns, "vddk-creds"),
    ]

    @Test("VM dataVolumeTemplates: the Secrets and ConfigMaps of each import source, in backup and restore; clone sources are not followed")
    func dataVolumeTemplateSources() async throws {
        let harness = Harness()
        let vm = Self.vm("{}", vmSpec: Self.templates)
        #expect(try await harness.backupGraph.virtualMachine(vm).items == Self.templateReferences)
        #expect(try await harness.restoreGraph.virtualMachine(vm).items == Self.templateReferences)
    }

    static func dataVolume(phase: String, source: String) -> JSONValue {
        json(#"{"apiVersion":"cdi.kubevirt.io/v1beta1","kind":"DataVolume","metadata":{"name":"disk","namespace":"ns","uid":"b7c1"},"spec":{"source":"# + source + #","storage":{"resources":{"requests":{"storage":"5Gi"}}}},"status":{"phase":""# + phase + #"","progress":"100.0%"}}"#)
    }

    @Test("a standalone DataVolume brings its source's Secrets and ConfigMaps: after its PVC when finished, alone while importing")
    func standaloneDataVolume() async throws {
        let harness = Harness()
        let vddk = #"{"vddk":{"url":"https://vcenter.example.com","uuid":"4219","backingFile":"[ds] vm/vm.vmdk","thumbprint":"AA:BB","secretRef":"vddk-creds","extraArgs":"vddk-args","certConfigMap":"vcenter-ca"}}"#
        let finished = try await harness.backupItem(harness.dvBackup, Self.dataVolume(phase: "Succeeded", source: vddk))
        #expect(finished.extras == [.persistentVolumeClaim(Self.ns, "disk"), .secret(Self.ns, "vddk-creds"), .configMap(Self.ns, "vcenter-ca"), .configMap(Self.ns, "vddk-args")])
        #expect(try finished.item.string(at: ["metadata", "annotations", "cdi.kubevirt.io/storage.prePopulated"]) == "disk")

        let importing = Self.dataVolume(phase: "ImportInProgress", source: #"{"http":{"url":"https://images.example.com/f.qcow2","secretRef":"http-creds"}}"#)
        let pending = try await harness.backupItem(harness.dvBackup, importing)
        #expect(pending.extras == [.secret(Self.ns, "http-creds")])
        #expect(pending.output.updatedItem == nil, "an unfinished DataVolume is not edited")
        #expect(try await harness.backupGraph.dataVolume(KubernetesObject(fetched: importing, kind: "DataVolume")).items == [.secret(Self.ns, "http-creds")])

        let blank = try await harness.backupItem(harness.dvBackup, Self.dataVolume(phase: "Succeeded", source: #"{"blank":{}}"#))
        #expect(blank.extras == [.persistentVolumeClaim(Self.ns, "disk")], "reference behaviour without source references")
    }

    @Test("a GPU VM as a cluster returns it (cluster instancetype, kernel boot, DRA claim template, hook sidecar, persistent TPM/EFI)")
    func realisticGPUVirtualMachine() async throws {
        let fixture = Fixtures.load("vm-gpu-kernel-boot.json")
        let harness = Harness(FakeClusterReader { $0.claimLists["ml"] = [] })
        let vm = try KubernetesObject(item: fixture, kind: "VirtualMachine", actionTypeName: "test")
        let ns = "ml"
        let revisions: [ResourceIdentifier] = [
            .controllerRevision(ns, "inference-gpu-gn1.xlarge-3f1c9a2e-7b4d-4e6a-8c0f-2a4b6c8d0e1f-1"),
            .controllerRevision(ns, "inference-gpu-rhel.9-5e7a9c1b-3d5f-4b7a-9e1c-3f5a7c9e1b3d-1"),
        ]
        let dependencies: [ResourceIdentifier] = [
            .secret(ns, "inference-gpu-userdata"), .persistentVolumeClaim(ns, "persistent-state-for-inference-gpu"),
            .secret(ns, "ml-registry-pull"), .secret(ns, "ml-registry-pull"), .resourceClaimTemplate(ns, "single-gpu"),
            .configMap(ns, "inference-gpu-numa-hook"),
        ]
        #expect(try await harness.backupGraph.virtualMachine(vm).items == revisions + dependencies)
        let output = try await harness.vmBackup.execute(item: bytes(fixture), backup: backup())
        #expect(output.additionalItems == revisions + dependencies)
        let updated = try JSONValue.parse(try #require(output.updatedItem))
        #expect(updated == fixture.with(["metadata", "annotations", "velero.kubevirt.io/backend-storage-pvcs"], "persistent-state-for-inference-gpu")
            .with(["metadata", "labels", "velero.kubevirt.io/vm-name"], "inference-gpu").with(["metadata", "annotations", "velero.kubevirt.io/vm-name-added"], "true"),
            "only the backend-storage record and the D13 label are added: the revision names already equal the status refs")
    }

    @Test("order: the D9 references first, then image pull secrets, utility volumes, service account, priority class, DRA claims, hook sidecars, DataVolume sources")
    func order() async throws {
        let spec = #"""
            {"resourceClaims":[{"name":"gpu","resourceClaimName":"gpu-claim"}],"priorityClassName":"high","serviceAccountName":"sa",
             "utilityVolumes":[{"name":"u","claimName":"util"}],
             "domain":{"devices":{},"firmware":{"kernelBoot":{"container":{"image":"k","imagePullSecret":"kernel-pull"}}}},
             "networks":[{"name":"n","multus":{"networkName":"nad"}}],
             "volumes":[{"name":"root","containerDisk":{"image":"i","imagePullSecret":"disk-pull"}},{"name":"cm","configMap":{"name":"settings"}}]}
            """#
        let harness = Harness()
        let vm = Self.vm(spec, templateAnnotations: #"{"hooks.kubevirt.io/hookSidecars":"[{\"configMap\":{\"name\":\"hook\",\"key\":\"k\",\"hookPath\":\"/p\"}}]"}"#,
            vmSpec: #""dataVolumeTemplates":[{"metadata":{"name":"d"},"spec":{"storage":{},"source":{"gcs":{"url":"gs://b/o","secretRef":"gcs"}}}}]"#)
        let expected: [ResourceIdentifier] = [
            .configMap(Self.ns, "settings"), .networkAttachmentDefinition(Self.ns, "nad"),
            .secret(Self.ns, "disk-pull"), .secret(Self.ns, "kernel-pull"), .persistentVolumeClaim(Self.ns, "util"),
            .serviceAccount(Self.ns, "sa"), .priorityClass("high"), .resourceClaim(Self.ns, "gpu-claim"),
            .configMap(Self.ns, "hook"), .secret(Self.ns, "gcs"),
        ]
        #expect(try await harness.backupGraph.virtualMachine(vm).items == expected)
        #expect(try await harness.restoreGraph.virtualMachine(vm).items == expected)
    }
}

/// Review findings of issue #14 that are not graph paths.
@Suite("Launcher pod during a migration, DataVolume GET errors, items Velero cannot decode")
struct ReviewCorrectnessTests {
    static func pod(_ name: String, node: String, phase: String) -> JSONValue {
        json(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":""# + name + #"","namespace":"ns","labels":{"kubevirt.io":"virt-launcher"},"annotations":{"kubevirt.io/domain":"vm1"}},"spec":{"nodeName":""# + node + #""},"status":{"phase":""# + phase + #""}}"#)
    }

    static let vmi = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachineInstance","metadata":{"name":"vm1","namespace":"ns"},"spec":{},"status":{"phase":"Running","nodeName":"node-b","migrationState":{"sourceNode":"node-a","targetNode":"node-b","completed":true}}}"#)

    @Test("two Running launcher pods (migration): the one on the VMI's node wins, in the VMI and the VM graph")
    func migrationPicksPodOnVMINode() async throws {
        let reader = FakeClusterReader {
            $0.launcherPods["ns"] = [Self.pod("virt-launcher-vm1-source", node: "node-a", phase: "Running"), Self.pod("virt-launcher-vm1-target", node: "node-b", phase: "Running")]
            $0.virtualMachineInstances["ns/vm1"] = Self.vmi
        }
        let harness = Harness(reader)
        let vmiItems = try await harness.backupGraph.virtualMachineInstance(KubernetesObject(fetched: Self.vmi, kind: "VirtualMachineInstance")).items
        #expect(vmiItems == [.pod("ns", "virt-launcher-vm1-target")])
        let vm = KubernetesObject(fetched: json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{}}},"status":{"created":true,"printableStatus":"Migrating"}}"#), kind: "VirtualMachine")
        #expect(try await harness.backupGraph.virtualMachine(vm).items == [.virtualMachineInstance("ns", "vm1"), .pod("ns", "virt-launcher-vm1-target")])
    }

    @Test("one Running pod and a finished source pod: the Running one, without reading the VMI")
    func runningPodWins() async throws {
        let reader = FakeClusterReader {
            $0.launcherPods["ns"] = [Self.pod("virt-launcher-vm1-source", node: "node-a", phase: "Succeeded"), Self.pod("virt-launcher-vm1-target", node: "node-b", phase: "Running")]
        }
        let harness = Harness(reader)
        #expect(try await harness.cluster.launcherPod(namespace: "ns", vmiName: "vm1").flatMap { try $0.string(at: ["metadata", "name"]) } == "virt-launcher-vm1-target")
        #expect(reader.count("GET") == 0 && reader.podLists == 1)
    }

    @Test("a cached match that is not Running is re-listed once")
    func cachedNotRunningRelists() async throws {
        let reader = FakeClusterReader {
            $0.podListSequence = [[Self.pod("virt-launcher-vm1-old", node: "node-a", phase: "Succeeded")],
                                  [Self.pod("virt-launcher-vm1-old", node: "node-a", phase: "Succeeded"), Self.pod("virt-launcher-vm1-new", node: "node-b", phase: "Running")]]
        }
        let harness = Harness(reader)
        let found = try await harness.cluster.launcherPod(namespace: "ns", vmiName: "vm1")
        #expect(try found?.string(at: ["metadata", "name"]) == "virt-launcher-vm1-new")
        #expect(reader.podLists == 2)
    }

    @Test("RestorePossible keeps the reference's \"failed to get DV <ns>/<name>: \" prefix on a GET error")
    func restorePossibleDataVolumeError() async throws {
        let harness = Harness(FakeClusterReader { $0.getError = SimulatedAPIError(description: "Unauthorized") })
        let vm = json(#"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{"volumes":[{"name":"disk0","dataVolume":{"name":"dv0"}}]}}}}"#)
        await expectError(startingWith: "failed to get DV ns/dv0: Unauthorized (volume disk0 of VirtualMachine ns/vm1)") {
            _ = try await harness.backupItem(harness.vmBackup, vm)
        }
    }

    static let kindless: [(String, String, String)] = [
        (VMBackupItemAction.name, #"{"apiVersion":"kubevirt.io/v1","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{}}}}"#, "VMBackupItemAction: item ns/vm1 has no kind"),
        (VMRestorePlugin.name, #"{"kind":"VirtualMachine","metadata":{"name":"vm1","namespace":"ns"},"spec":{"template":{"spec":{}}}}"#, "VMRestorePlugin: item ns/vm1 has no apiVersion"),
        (PVCRestoreItemAction.name, #"{"apiVersion":"v1","kind":"","metadata":{"name":"p","namespace":"ns"}}"#, "PVCRestoreItemAction: item ns/p has no kind"),
        (DVBackupItemAction.name, #"{"apiVersion":"v1","metadata":{"name":"p","namespace":"ns"}}"#, "DVBackupItemAction: item ns/p has no kind"),
        (PVCBackupItemAction.name, #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"ns","annotations":{"x":"y"}},"spec":{"resources":{"requests":{"storage":1e400}}}}"#,
         "PVCBackupItemAction: item ns/p has a number at path spec.resources.requests.storage beyond the range of a float64"),
    ]

    @Test("an item Velero could not decode (no kind, no apiVersion, a number beyond float64) is an error naming it and the path", arguments: kindless)
    func undecodableItems(action: String, item: String, message: String) async throws {
        let harness = Harness()
        await expectError(startingWith: message) {
            let bytes = Array(item.utf8)
            switch action {
            case VMBackupItemAction.name: _ = try await harness.vmBackup.execute(item: bytes, backup: backup())
            case VMRestorePlugin.name: _ = try await harness.vmRestore.execute(item: bytes, itemFromBackup: bytes, restore: restore())
            case PVCRestoreItemAction.name: _ = try await harness.pvcRestore.execute(item: bytes, itemFromBackup: bytes, restore: restore())
            case DVBackupItemAction.name: _ = try await harness.dvBackup.execute(item: bytes, backup: backup())
            default: _ = try await harness.pvcBackup.execute(item: bytes, backup: backup())
            }
        }
    }
}

/// The backend-storage PVCs of a persistent TPM/EFI are recorded at backup and named from the record at restore,
/// without asking the live cluster (which, in a mapped or disaster-recovery restore, does not hold them).
@Suite("Backend-storage PVCs recorded at backup")
struct BackendStorageRecordTests {
    static let vm = #"{"apiVersion":"kubevirt.io/v1","kind":"VirtualMachine","metadata":{"name":"win","namespace":"ns"},"spec":{"runStrategy":"Halted","template":{"spec":{"domain":{"devices":{"tpm":{"persistent":true}}}}}}}"#
    static let claim = json(#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"persistent-state-for-win-x7p2q","namespace":"ns","labels":{"persistent-state-for":"win"}}}"#)

    @Test("backup writes velero.kubevirt.io/backend-storage-pvcs from the PVCs it found; restore names them without an API request and drops the record")
    func recordedAndUsed() async throws {
        let backupHarness = Harness(FakeClusterReader { $0.claimLists["ns"] = [Self.claim] })
        let backedUp = try await backupHarness.backupItem(backupHarness.vmBackup, json(Self.vm))
        #expect(try backedUp.item.string(at: ["metadata", "annotations", "velero.kubevirt.io/backend-storage-pvcs"]) == "persistent-state-for-win-x7p2q")
        #expect(backedUp.extras == [.persistentVolumeClaim("ns", "persistent-state-for-win-x7p2q")])

        let restoreHarness = Harness()
        let restored = try await restoreHarness.restoreItem(restoreHarness.vmRestore, backedUp.item)
        #expect(restored.output.additionalItems == [.persistentVolumeClaim("ns", "persistent-state-for-win-x7p2q")])
        #expect(restoreHarness.reader.calls.isEmpty, "\(restoreHarness.reader.calls)")
        #expect(((try? restored.item.value(at: ["metadata", "annotations", "velero.kubevirt.io/backend-storage-pvcs"])) ?? nil) == nil)
    }

    @Test("a VM backed up by an older plugin (no record) is looked up as the Go plugin does: LIST, then the legacy name")
    func olderBackupFallsBack() async throws {
        let harness = Harness(FakeClusterReader { $0.claimLists["ns"] = [] })
        let restored = try await harness.restoreItem(harness.vmRestore, json(Self.vm))
        #expect(restored.output.additionalItems == [.persistentVolumeClaim("ns", "persistent-state-for-win")])
        #expect(harness.reader.calls == ["LIST persistentvolumeclaims ns"])
    }
}
