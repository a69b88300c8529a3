import CGRPCShim

extension OperationRequest {
    public func encoded() -> [UInt8] {
        let arena = CArena()
        var message = V2__BackupItemActionProgressRequest()
        v2__backup_item_action_progress_request__init(&message)
        message.plugin = arena.string(plugin)
        message.operationid = arena.string(operationID)
        message.backup = arena.bytes(payload)
        return ProtobufC.pack(
            &message, size: v2__backup_item_action_progress_request__get_packed_size,
            pack: v2__backup_item_action_progress_request__pack)
    }

    public init(decoding bytes: [UInt8]) throws {
        self = try ProtobufC.unpack(
            bytes, "OperationRequest", unpack: v2__backup_item_action_progress_request__unpack,
            free: v2__backup_item_action_progress_request__free_unpacked
        ) { message in
            OperationRequest(
                plugin: ProtobufC.text(message.plugin), operationID: ProtobufC.text(message.operationid),
                payload: ProtobufC.binary(message.backup))
        }
    }
}

extension OperationProgress {
    /// Encodes the `v2.…ProgressResponse` wrapping this progress; `progress` is always present (Velero
    /// dereferences it without a check).
    public func encodedResponse() -> [UInt8] {
        let arena = CArena()
        var progress = Generated__OperationProgress()
        generated__operation_progress__init(&progress)
        progress.completed = completed ? 1 : 0
        progress.err = arena.string(err)
        progress.ncompleted = nCompleted
        progress.ntotal = nTotal
        progress.operationunits = arena.string(operationUnits)
        progress.description = arena.string(description)
        progress.started = arena.timestamp(started)
        progress.updated = arena.timestamp(updated)
        var message = V2__BackupItemActionProgressResponse()
        v2__backup_item_action_progress_response__init(&message)
        message.progress = arena.object(progress)
        return ProtobufC.pack(
            &message, size: v2__backup_item_action_progress_response__get_packed_size,
            pack: v2__backup_item_action_progress_response__pack)
    }

    public init(decodingResponse bytes: [UInt8]) throws {
        self = try ProtobufC.unpack(
            bytes, "ProgressResponse", unpack: v2__backup_item_action_progress_response__unpack,
            free: v2__backup_item_action_progress_response__free_unpacked
        ) { message in
            guard let p = message.progress?.pointee else { return OperationProgress() }
            return OperationProgress(
                completed: p.completed != 0, err: ProtobufC.text(p.err), nCompleted: p.ncompleted, nTotal: p.ntotal,
                operationUnits: ProtobufC.text(p.operationunits), description: ProtobufC.text(p.description),
                started: ProtobufC.time(p.started) ?? ProtoTime(seconds: 0), updated: ProtobufC.time(p.updated) ?? ProtoTime(seconds: 0))
        }
    }
}
