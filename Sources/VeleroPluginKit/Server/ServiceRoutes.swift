/// The method table of a plugin process: go-plugin's infrastructure services and Velero's item-action services, each
/// routed by the request's `plugin` field to the registered implementation (the method paths of Velero's protos under
/// `proto/`). Paths not listed here are answered UNIMPLEMENTED by the shim at once.
enum ServiceRoutes {
    static func make(
        registry: PluginRegistry, plugins: [PluginIdentifier], onShutdown: @escaping @Sendable () -> Void
    ) -> [String: Route] {
        var routes: [String: Route] = [:]

        // go-plugin
        routes[MethodPath.healthCheck] = .unary { payload in
            let request = try HealthCheckRequest(decoding: payload)
            guard request.service == "plugin" || request.service.isEmpty else {
                throw GRPCFailure(code: GRPCCode.notFound, message: "unknown service")
            }
            return HealthCheckResponse(status: HealthCheckResponse.serving).encoded()
        }
        routes[MethodPath.brokerStream] = .heldBidiStream
        routes[MethodPath.stdioStream] = .heldServerStream
        routes[MethodPath.shutdown] = .unary { _ in
            // Answer first, then stop: the response is already queued when the server begins shutting down.
            Task.detached { onShutdown() }
            return []
        }

        routes[MethodPath.listPlugins] = .unary { _ in
            ListPluginsResponse(plugins: plugins).encoded()
        }

        // BackupItemAction v1
        routes[MethodPath.of(.backupItemAction, "AppliesTo")] = .unary { payload in
            let request = try AppliesToRequest(decoding: payload)
            let action = try found(registry.backupItemAction(request.plugin), request.plugin)
            return AppliesToResponse(selector: try action.appliesTo()).encoded()
        }
        routes[MethodPath.of(.backupItemAction, "Execute")] = .unary { payload in
            let request = try BackupExecuteRequest(decoding: payload)
            let action = try found(registry.backupItemAction(request.plugin), request.plugin)
            let output = try await action.execute(item: request.item, backup: request.backup)
            return BackupExecuteResponse(
                item: output.updatedItem ?? request.item, additionalItems: output.additionalItems
            ).encoded()
        }

        // BackupItemAction v2
        routes[MethodPath.of(.backupItemActionV2, "AppliesTo")] = .unary { payload in
            let request = try AppliesToRequest(decoding: payload)
            let action = try found(registry.backupItemActionV2(request.plugin), request.plugin)
            return AppliesToResponse(selector: try action.appliesTo()).encoded()
        }
        routes[MethodPath.of(.backupItemActionV2, "Execute")] = .unary { payload in
            let request = try BackupExecuteRequest(decoding: payload)
            let action = try found(registry.backupItemActionV2(request.plugin), request.plugin)
            let output = try await action.execute(item: request.item, backup: request.backup)
            return BackupExecuteResponse(
                item: output.updatedItem ?? request.item, additionalItems: output.additionalItems,
                operationID: output.operationID, postOperationItems: output.postOperationItems
            ).encoded()
        }
        routes[MethodPath.of(.backupItemActionV2, "Progress")] = .unary { payload in
            let request = try OperationRequest(decoding: payload)
            let action = try found(registry.backupItemActionV2(request.plugin), request.plugin)
            return try await action.progress(operationID: request.operationID, backup: request.payload)
                .encodedResponse()
        }
        routes[MethodPath.of(.backupItemActionV2, "Cancel")] = .unary { payload in
            let request = try OperationRequest(decoding: payload)
            let action = try found(registry.backupItemActionV2(request.plugin), request.plugin)
            try await action.cancel(operationID: request.operationID, backup: request.payload)
            return []
        }

        // RestoreItemAction v1
        routes[MethodPath.of(.restoreItemAction, "AppliesTo")] = .unary { payload in
            let request = try AppliesToRequest(decoding: payload)
            let action = try found(registry.restoreItemAction(request.plugin), request.plugin)
            return AppliesToResponse(selector: try action.appliesTo()).encoded()
        }
        routes[MethodPath.of(.restoreItemAction, "Execute")] = .unary { payload in
            let request = try RestoreExecuteRequest(decoding: payload)
            let action = try found(registry.restoreItemAction(request.plugin), request.plugin)
            let output = try await action.execute(
                item: request.item, itemFromBackup: request.itemFromBackup, restore: request.restore)
            return RestoreExecuteResponse(
                item: output.updatedItem ?? request.item, additionalItems: output.additionalItems,
                skipRestore: output.skipRestore
            ).encoded()
        }

        // RestoreItemAction v2
        routes[MethodPath.of(.restoreItemActionV2, "AppliesTo")] = .unary { payload in
            let request = try AppliesToRequest(decoding: payload)
            let action = try found(registry.restoreItemActionV2(request.plugin), request.plugin)
            return AppliesToResponse(selector: try action.appliesTo()).encoded()
        }
        routes[MethodPath.of(.restoreItemActionV2, "Execute")] = .unary { payload in
            let request = try RestoreExecuteRequest(decoding: payload)
            let action = try found(registry.restoreItemActionV2(request.plugin), request.plugin)
            let output = try await action.execute(
                item: request.item, itemFromBackup: request.itemFromBackup, restore: request.restore)
            // A Go server always sends the timeout, as an empty Duration for zero.
            return RestoreExecuteResponse(
                item: output.updatedItem ?? request.item, additionalItems: output.additionalItems,
                skipRestore: output.skipRestore, operationID: output.operationID,
                waitForAdditionalItems: output.waitForAdditionalItems,
                additionalItemsReadyTimeout: output.additionalItemsReadyTimeout ?? ProtoTime(seconds: 0)
            ).encoded()
        }
        routes[MethodPath.of(.restoreItemActionV2, "Progress")] = .unary { payload in
            let request = try OperationRequest(decoding: payload)
            let action = try found(registry.restoreItemActionV2(request.plugin), request.plugin)
            return try await action.progress(operationID: request.operationID, restore: request.payload)
                .encodedResponse()
        }
        routes[MethodPath.of(.restoreItemActionV2, "Cancel")] = .unary { payload in
            let request = try OperationRequest(decoding: payload)
            let action = try found(registry.restoreItemActionV2(request.plugin), request.plugin)
            try await action.cancel(operationID: request.operationID, restore: request.payload)
            return []
        }
        routes[MethodPath.of(.restoreItemActionV2, "AreAdditionalItemsReady")] = .unary { payload in
            let request = try ItemsReadyRequest(decoding: payload)
            let action = try found(registry.restoreItemActionV2(request.plugin), request.plugin)
            let ready = try await action.areAdditionalItemsReady(request.additionalItems, restore: request.restore)
            return ItemsReadyResponse.encoded(ready: ready)
        }

        // ItemBlockAction v1
        routes[MethodPath.of(.itemBlockAction, "AppliesTo")] = .unary { payload in
            let request = try AppliesToRequest(decoding: payload)
            let action = try found(registry.itemBlockAction(request.plugin), request.plugin)
            return AppliesToResponse(selector: try action.appliesTo()).encoded()
        }
        routes[MethodPath.of(.itemBlockAction, "GetRelatedItems")] = .unary { payload in
            let request = try BackupExecuteRequest(decoding: payload)
            let action = try found(registry.itemBlockAction(request.plugin), request.plugin)
            let related = try await action.getRelatedItems(item: request.item, backup: request.backup)
            return GetRelatedItemsResponse(relatedItems: related).encoded()
        }
        return routes
    }

    /// The Go framework's answer for a name that is not registered under the called kind; the leading
    /// space is what Go sends.
    private static func found<T>(
        _ action: T?, _ name: String, file: String = #fileID, line: Int = #line
    ) throws -> T {
        guard let action else {
            throw GRPCFailure(
                code: GRPCCode.unknown, message: " plugin: \(name) was not found or has an invalid name format",
                frames: [GRPCFailure.frame(SourceLocation(file: file, line: line, function: "ServiceRoutes.dispatch"))])
        }
        return action
    }
}
