import Testing
import VeleroPluginKit

/// Every message type against `protoc --encode` (encoding) and back (decoding), plus robustness of the decoders.
@Suite struct MessageCodecTests {
    @Test func executeRequestDecodesWhatProtocEncodes() throws {
        let bytes = try Protoc.encode("generated.ExecuteRequest", #"plugin: "kubevirt-velero-plugin/backup-pvc-action" item: "{\"kind\":\"PersistentVolumeClaim\"}" backup: "{}""#)
        let request = try BackupExecuteRequest(decoding: bytes)
        #expect(request.plugin == "kubevirt-velero-plugin/backup-pvc-action")
        #expect(request.item == Array(#"{"kind":"PersistentVolumeClaim"}"#.utf8))
        #expect(request.backup == Array("{}".utf8))
        #expect(request.encoded() == bytes)
        // the same layout serves v2 and the ItemBlockAction request
        #expect(try BackupExecuteRequest(decoding: try Protoc.encode("v1.ItemBlockActionGetRelatedItemsRequest", #"plugin: "a/b" item: "x""#)) == BackupExecuteRequest(plugin: "a/b", item: Array("x".utf8), backup: []))
    }

    @Test func executeResponseEncodesLikeProtoc() throws {
        let response = BackupExecuteResponse(item: Array(#"{"kind":"VirtualMachine"}"#.utf8), additionalItems: [
            ResourceIdentifier(group: "kubevirt.io", resource: "virtualmachineinstances", namespace: "ns", name: "vm1"),
            ResourceIdentifier(group: "", resource: "persistentvolumeclaims", namespace: "ns", name: "disk"),
        ])
        let expected = try Protoc.encode("generated.ExecuteResponse", #"""
            item: "{\"kind\":\"VirtualMachine\"}"
            additionalItems { group: "kubevirt.io" resource: "virtualmachineinstances" namespace: "ns" name: "vm1" }
            additionalItems { resource: "persistentvolumeclaims" namespace: "ns" name: "disk" }
            """#)
        #expect(response.encoded() == expected)
        #expect(try BackupExecuteResponse(decoding: expected) == response)
    }

    @Test func restoreMessagesRoundTripAgainstProtoc() throws {
        let requestBytes = try Protoc.encode("generated.RestoreItemActionExecuteRequest", #"plugin: "p/q" item: "i" restore: "r" itemFromBackup: "b""#)
        #expect(try RestoreExecuteRequest(decoding: requestBytes) == RestoreExecuteRequest(plugin: "p/q", item: Array("i".utf8), restore: Array("r".utf8), itemFromBackup: Array("b".utf8)))
        let response = RestoreExecuteResponse(item: Array("{}".utf8), skipRestore: true)
        #expect(response.encoded() == (try Protoc.encode("generated.RestoreItemActionExecuteResponse", #"item: "{}" skipRestore: true"#)))
        let v2 = RestoreExecuteResponse(item: [], operationID: "op", waitForAdditionalItems: true, additionalItemsReadyTimeout: ProtoTime(seconds: 0))
        #expect(v2.encoded() == (try Protoc.encode("v2.RestoreItemActionExecuteResponse", #"operationID: "op" waitForAdditionalItems: true additionalItemsReadyTimeout {}"#)))
    }

    @Test func listPluginsAndAppliesToEncodeLikeProtoc() throws {
        let plugins = ListPluginsResponse(plugins: [
            PluginIdentifier(command: "/plugins/kubevirt-velero-plugin", kind: "BackupItemAction", name: "kubevirt-velero-plugin/backup-pvc-action"),
            PluginIdentifier(command: "/plugins/kubevirt-velero-plugin", kind: "ItemBlockAction", name: "kubevirt-velero-plugin/virtualmachine-itemblock-action"),
        ])
        let expected = try Protoc.encode("generated.ListPluginsResponse", #"""
            plugins { command: "/plugins/kubevirt-velero-plugin" kind: "BackupItemAction" name: "kubevirt-velero-plugin/backup-pvc-action" }
            plugins { command: "/plugins/kubevirt-velero-plugin" kind: "ItemBlockAction" name: "kubevirt-velero-plugin/virtualmachine-itemblock-action" }
            """#)
        #expect(plugins.encoded() == expected)
        #expect(try ListPluginsResponse(decoding: expected) == plugins)

        let selector = ResourceSelector(includedNamespaces: ["a", "b"], excludedResources: ["secrets"], selector: "kubevirt.io in (virt-launcher, hotplug-disk)")
        let applies = AppliesToResponse(selector: ResourceSelector(includedResources: ["Pod"], selector: selector.selector))
        #expect(applies.encoded() == (try Protoc.encode("generated.RestoreItemActionAppliesToResponse", #"ResourceSelector { includedResources: "Pod" selector: "kubevirt.io in (virt-launcher, hotplug-disk)" }"#)))
        let full = AppliesToResponse(selector: selector)
        #expect(try AppliesToResponse(decoding: full.encoded()) == full)
        // an empty selector is still present (not "absent = everything"), and absent decodes as nil
        #expect(AppliesToResponse(selector: ResourceSelector()).encoded() == [0x0a, 0x00])
        #expect(try AppliesToResponse(decoding: []) == AppliesToResponse(selector: nil))
        #expect(try AppliesToRequest(decoding: try Protoc.encode("v1.ItemBlockActionAppliesToRequest", #"plugin: "x/y""#)).plugin == "x/y")
    }

    @Test func statusWithStackDetailMatchesProtocAndDecodesBack() throws {
        let stack = StackCodec.encode([StackFrame(file: "KubeVirtVeleroPlugin/VMBackupAction.swift", line: 42, function: "KubeVirtVeleroPlugin.execute(item:backup:)")])
        #expect(stack == (try Protoc.encode("generated.Stack", #"frames { file: "KubeVirtVeleroPlugin/VMBackupAction.swift" line: 42 function: "KubeVirtVeleroPlugin.execute(item:backup:)" }"#)))
        let failure = GRPCFailure(code: GRPCCode.unknown, message: "VM cannot be safely backed up", frames: [StackFrame(file: "f.swift", line: 7, function: "m.f")])
        let details = try #require(failure.detailsBytes)
        let decoded = try Protoc.decode("google.rpc.Status", details)
        #expect(decoded.contains("code: 2"))
        #expect(decoded.contains(#"message: "VM cannot be safely backed up""#))
        #expect(decoded.contains(#"type_url: "type.googleapis.com/generated.Stack""#))
        let status = try RPCStatus(decoding: details)
        #expect(status.code == 2 && status.message == failure.message)
        #expect(try StackCodec.decode(status.details[0].value) == failure.frames)
        #expect(GRPCFailure(code: 2, message: "no stack").detailsBytes == nil)
    }

    @Test func progressAlwaysCarriesTimestampsAndHealthIsTwoBytes() throws {
        let progress = OperationProgress(completed: true, nCompleted: 3, nTotal: 4, operationUnits: "bytes")
        let text = try Protoc.decode("v2.BackupItemActionProgressResponse", progress.encodedResponse())
        #expect(text.contains("seconds: -62135596800"))
        #expect(try OperationProgress(decodingResponse: progress.encodedResponse()) == progress)
        #expect(HealthCheckResponse(status: HealthCheckResponse.serving).encoded() == [0x08, 0x01])
        #expect(try HealthCheckRequest(decoding: try Protoc.encode("grpc.health.v1.HealthCheckRequest", #"service: "plugin""#)).service == "plugin")
        #expect(ItemsReadyResponse.encoded(ready: true) == (try Protoc.encode("v2.RestoreItemActionItemsReadyResponse", "ready: true")))
        let items = ItemsReadyRequest(plugin: "a/b", restore: [1], additionalItems: [ResourceIdentifier(group: "g", resource: "r", namespace: "n", name: "x")])
        #expect(try ItemsReadyRequest(decoding: items.encoded()) == items)
        let op = OperationRequest(plugin: "a/b", operationID: "du-1.2", payload: Array("{}".utf8))
        #expect(op.encoded() == (try Protoc.encode("v2.RestoreItemActionCancelRequest", #"plugin: "a/b" operationID: "du-1.2" restore: "{}""#)))
        let related = GetRelatedItemsResponse(relatedItems: [ResourceIdentifier(group: "", resource: "pods", namespace: "ns", name: "virt-launcher-vm1-abcde")])
        #expect(related.encoded() == (try Protoc.encode("v1.ItemBlockActionGetRelatedItemsResponse", #"relatedItems { resource: "pods" namespace: "ns" name: "virt-launcher-vm1-abcde" }"#)))
    }

    @Test func decodersSkipUnknownFieldsOfEveryWireType() throws {
        var bytes = BackupExecuteRequest(plugin: "a/b", item: Array("{}".utf8), backup: []).encoded()
        bytes += [0x48, 0x96, 0x01]  // field 9, varint 150
        bytes += [0x51] + [UInt8](repeating: 1, count: 8)  // field 10, fixed64
        bytes += [0x5a, 0x03, 0x61, 0x62, 0x63]  // field 11, length-delimited "abc"
        bytes += [0x65, 1, 2, 3, 4]  // field 12, fixed32
        #expect(try BackupExecuteRequest(decoding: bytes) == BackupExecuteRequest(plugin: "a/b", item: Array("{}".utf8), backup: []))
    }

    @Test func malformedBytesAreDecodingErrorsNotCrashes() {
        for garbage: [UInt8] in [[0x0a], [0x0a, 0x05, 0x61], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], [0x12, 0x80, 0x80, 0x80, 0x80, 0x10]] {
            #expect(throws: WireDecodingError.self) { try BackupExecuteRequest(decoding: garbage) }
            #expect(throws: WireDecodingError.self) { try RestoreExecuteRequest(decoding: garbage) }
        }
    }
}
