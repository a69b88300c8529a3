import Dispatch
import Glibc
import Logging
import Synchronization
import VeleroPluginKit

// A plugin built with VeleroPluginKit and nothing else, for the kit's end-to-end tests: each action exercises one
// part of the protocol (echo, errors, panics, concurrency, large messages, v2 operations, item blocks).

/// Returns the item unchanged (the response must carry the request bytes).
struct EchoAction: BackupItemAction, RestoreItemAction, ItemBlockAction {
    func appliesTo() throws -> ResourceSelector { ResourceSelector(includedResources: ["pods"], selector: "app=echo") }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        BackupItemActionOutput(additionalItems: [
            ResourceIdentifier(group: "", resource: "persistentvolumeclaims", namespace: "ns", name: "pvc-\(item.count)")
        ])
    }
    func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput {
        RestoreItemActionOutput(skipRestore: itemFromBackup == Array("skip".utf8))
    }
    func getRelatedItems(item: [UInt8], backup: [UInt8]) async throws -> [ResourceIdentifier] {
        [ResourceIdentifier(group: "kubevirt.io", resource: "virtualmachineinstances", namespace: "ns", name: "vm1")]
    }
}

/// Breaks the stdout rule the way a careless action would: `print` after the handshake.
struct StrayPrintAction: BackupItemAction {
    func appliesTo() throws -> ResourceSelector { ResourceSelector() }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        print("stray output from an action")
        return BackupItemActionOutput()
    }
}

/// Fails the way an action reports a problem.
struct FailingAction: BackupItemAction {
    func appliesTo() throws -> ResourceSelector { ResourceSelector() }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        throw ActionError("VM cannot be safely backed up: test failure for \(String(decoding: item, as: UTF8.self))")
    }
}

/// Fails the way Go would report a recovered panic.
struct PanickingAction: BackupItemAction {
    func appliesTo() throws -> ResourceSelector { ResourceSelector() }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        throw PluginPanic("index out of range in test")
    }
}

/// Logs a line, then dies of a fatal signal as a Swift trap does (SIGTRAP; without the runtime's own message).
struct CrashingAction: BackupItemAction {
    func appliesTo() throws -> ResourceSelector { ResourceSelector() }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        Logger(label: "crash").info("about to crash on purpose: \(String(decoding: item, as: UTF8.self))")
        raise(SIGTRAP)
        return BackupItemActionOutput()
    }
}

/// Waits until `backup` (a decimal count) calls are in flight at once; fails after 10 s if they never are, which
/// is what happens when the server serialises calls.
final class BarrierAction: BackupItemAction {
    private let inFlight = Mutex(0)
    func appliesTo() throws -> ResourceSelector { ResourceSelector() }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        let wanted = Int(String(decoding: backup, as: UTF8.self)) ?? 1
        inFlight.withLock { $0 += 1 }
        defer { inFlight.withLock { $0 -= 1 } }
        let deadline = ContinuousClock.now + .seconds(10)
        var peak = 0
        while ContinuousClock.now < deadline {
            peak = max(peak, inFlight.withLock { $0 })
            if peak >= wanted { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        guard peak >= wanted else { throw ActionError("only \(peak) of \(wanted) calls were in flight together") }
        // keep the slot until every caller has seen the peak
        try await Task.sleep(for: .milliseconds(50))
        return BackupItemActionOutput(updatedItem: Array(#"{"kind":"Barrier","peak":\#(peak)}"#.utf8))
    }
}

/// Answers with an item of the size given in `backup` (decimal bytes).
struct LargeResponseAction: BackupItemAction {
    func appliesTo() throws -> ResourceSelector { ResourceSelector() }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput {
        let size = Int(String(decoding: backup, as: UTF8.self)) ?? 0
        var body = Array(#"{"kind":"Large","data":""#.utf8)
        body.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: max(0, size - body.count - 2)))
        body.append(contentsOf: Array("\"}".utf8))
        return BackupItemActionOutput(updatedItem: body)
    }
}

/// A v2 action with an asynchronous operation whose state lives in its ID.
struct OperationAction: BackupItemActionV2, RestoreItemActionV2 {
    func appliesTo() throws -> ResourceSelector { ResourceSelector(includedResources: ["datauploads"]) }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionV2Output {
        BackupItemActionV2Output(operationID: "op-1", postOperationItems: [
            ResourceIdentifier(group: "", resource: "pods", namespace: "ns", name: "p")
        ])
    }
    func progress(operationID: String, backup: [UInt8]) async throws -> OperationProgress {
        OperationProgress(completed: operationID == "op-1", nCompleted: 5, nTotal: 5, operationUnits: "items")
    }
    func cancel(operationID: String, backup: [UInt8]) async throws {}
    func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionV2Output {
        RestoreItemActionV2Output(operationID: "restore-op", waitForAdditionalItems: true)
    }
    func progress(operationID: String, restore: [UInt8]) async throws -> OperationProgress { OperationProgress() }
    func cancel(operationID: String, restore: [UInt8]) async throws {}
    func areAdditionalItemsReady(_ items: [ResourceIdentifier], restore: [UInt8]) async throws -> Bool { !items.isEmpty }
}

let registry = PluginRegistry()
let barrier = BarrierAction()
registry.register(backupItemAction: "test.velero.io/echo") { EchoAction() }
registry.register(backupItemAction: "test.velero.io/fail") { FailingAction() }
registry.register(backupItemAction: "test.velero.io/panic") { PanickingAction() }
registry.register(backupItemAction: "test.velero.io/crash") { CrashingAction() }
registry.register(backupItemAction: "test.velero.io/barrier") { barrier }
registry.register(backupItemAction: "test.velero.io/large") { LargeResponseAction() }
registry.register(backupItemAction: "test.velero.io/stray-print") { StrayPrintAction() }
registry.register(backupItemActionV2: "test.velero.io/operation") { OperationAction() }
registry.register(restoreItemAction: "test.velero.io/echo-restore") { EchoAction() }
registry.register(restoreItemActionV2: "test.velero.io/operation-restore") { OperationAction() }
registry.register(itemBlockAction: "test.velero.io/echo-block") { EchoAction() }
PluginMain.run(registry: registry, label: "kit-test-plugin")
