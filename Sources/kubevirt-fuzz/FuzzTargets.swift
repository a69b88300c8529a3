import Dispatch
import Foundation
import KubeClient
import KubeVirtVeleroPlugin
import Logging
import VeleroPluginKit

/// Fuzz targets for everything that reads what Velero (or a kubeconfig) hands the plugin. The first input byte picks
/// the target, the rest is its input:
///
/// - 0: protobuf decoding of every request message the plugin receives (decode → encode → decode must agree);
/// - 1: the JSON parser and editor (parse → serialise → parse must agree; edits at paths taken from the input);
/// - 2: every action's Execute / GetRelatedItems with the input as the item (byte 1 picks the action, byte 2 the
///   Backup/Restore context);
/// - 3: the kubeconfig parser.
///
/// Built with `-sanitize=fuzzer` (`make fuzz`) libFuzzer drives `LLVMFuzzerTestOneInput`; built normally the
/// executable replays files (`kubevirt-fuzz FILE_OR_DIR…`), which is how the committed corpus runs in `make test`.
/// A finding is a trap (a crash the sanitizers or Swift report), never a thrown error: errors are the expected
/// answer to bad input.
enum FuzzTargets {
    static let plugin = KubeVirtPlugin(clusterReader: EmptyCluster(), makeLogger: { label in
        var logger = Logger(label: label) { _ in SwiftLogNoOpLogHandler() }
        logger.logLevel = .critical
        return logger
    })

    static let contexts: [[UInt8]] = [
        Array("{}".utf8),
        Array(#"{"apiVersion":"velero.io/v1","kind":"Backup","metadata":{"labels":{"velero.kubevirt.io/metadataBackup":"true"}},"spec":{"excludedResources":["pods"],"includedNamespaces":["*"]}}"#.utf8),
        Array(#"{"apiVersion":"velero.io/v1","kind":"Restore","metadata":{"labels":{"velero.kubevirt.io/clear-mac-address":"","velero.kubevirt.io/generate-new-firmware-uuid":"","velero.kubevirt.io/restore-run-strategy":"Halted"}},"spec":{"backupName":"b","namespaceMapping":{"demo":"demo-restored"}}}"#.utf8),
        Array("not json".utf8),
    ]

    static func run(_ input: [UInt8]) {
        guard let selector = input.first else { return }
        let payload = Array(input.dropFirst())
        switch selector % 4 {
        case 0: protobuf(payload)
        case 1: json(payload)
        case 2: actions(payload)
        default: kubeconfig(payload)
        }
    }

    static func protobuf(_ bytes: [UInt8]) {
        if let request = try? BackupExecuteRequest(decoding: bytes) {
            check(try? BackupExecuteRequest(decoding: request.encoded()) == request, "BackupExecuteRequest round trip")
        }
        if let request = try? RestoreExecuteRequest(decoding: bytes) {
            check(try? RestoreExecuteRequest(decoding: request.encoded()) == request, "RestoreExecuteRequest round trip")
        }
        if let request = try? AppliesToRequest(decoding: bytes) {
            check(try? AppliesToRequest(decoding: request.encoded()) == request, "AppliesToRequest round trip")
        }
        _ = try? OperationRequest(decoding: bytes)
        _ = try? ItemsReadyRequest(decoding: bytes)
        _ = try? HealthCheckRequest(decoding: bytes)
    }

    /// A LIST-like selection: what the plugin's LIST parsing materialises, plus nested and non-object cases.
    static let selection: JSONSelection = .members([
        "items": .elements(ObjectEssentials.selection), "metadata": .members(["continue": .all]),
        "spec": .members(["template": .members(["spec": .all]), "volumes": .elements(.members(["name": .all]))]),
    ])

    static func json(_ bytes: [UInt8]) {
        // Selective parsing fails exactly where the full parse fails, and otherwise equals the reduced full parse.
        let full = Result { () throws(JSONParseError) -> JSONValue in try JSONValue.parse(bytes) }
        let selected = Result { () throws(JSONParseError) -> JSONValue in try JSONValue.parse(bytes, selecting: selection) }
        switch (full, selected) {
        case (.success(let whole), .success(let partial)):
            check(partial.serialized() == whole.selecting(selection).serialized(), "selective parse differs from the reduced full parse")
        case (.failure(let a), .failure(let b)):
            check(a == b, "selective parse fails differently: \(a) vs \(b)")
        default:
            check(false, "selective parse and full parse disagree on validity")
        }
        guard let value = try? JSONValue.parse(bytes) else { return }
        let text = value.serialized()
        guard let again = try? JSONValue.parse(text) else { fatalError("serialised JSON does not parse: \(text.prefix(200))") }
        check(again == value, "parse → serialise → parse changed the value")
        check(again.serialized() == text, "serialising is not stable")
        // Edits at paths built from the input's own keys.
        var path: [JSONPath.Component] = []
        var cursor = value
        while case .object(let object) = cursor, let first = object.members.first {
            path.append(.key(first.key))
            cursor = first.value
        }
        var edited = value
        try? edited.setValue("fuzz", at: JSONPath(path + [.key("added")]))
        _ = edited.removeValue(at: JSONPath(path))
        _ = try? JSONValue.parse(edited.serialized())
    }

    static func actions(_ bytes: [UInt8]) {
        guard bytes.count >= 2 else { return }
        let item = Array(bytes.dropFirst(2))
        let context = contexts[Int(bytes[1]) % contexts.count]
        let count = plugin.backupItemActions.count + plugin.restoreItemActions.count + plugin.itemBlockActions.count
        let selected = Int(bytes[0]) % count
        blocking {
            var index = selected
            if index < plugin.backupItemActions.count {
                _ = try? await plugin.backupItemActions[index].make().execute(item: item, backup: context)
                return
            }
            index -= plugin.backupItemActions.count
            if index < plugin.restoreItemActions.count {
                _ = try? await plugin.restoreItemActions[index].make().execute(item: item, itemFromBackup: item, restore: context)
                return
            }
            index -= plugin.restoreItemActions.count
            _ = try? await plugin.itemBlockActions[index].make().getRelatedItems(item: item, backup: context)
        }
    }

    static func kubeconfig(_ bytes: [UInt8]) {
        let loader = KubeConfigLoader(environment: [:], serviceAccountDirectory: "/nonexistent")
        _ = try? loader.parseKubeconfig(String(decoding: bytes, as: UTF8.self), file: "/nonexistent/fuzz-kubeconfig")
    }

    static func check(_ condition: Bool?, _ message: String) {
        if condition != true { fatalError("fuzz invariant broken: \(message)") }
    }

    /// Runs async work to completion on this thread's behalf (libFuzzer calls synchronously).
    static func blocking(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task.detached {
            await body()
            done.signal()
        }
        done.wait()
    }
}

/// A cluster with nothing in it: GETs are NotFound, LISTs are empty. No network.
struct EmptyCluster: ClusterReader {
    func get(_ resource: ClusterResource, namespace: String, name: String) async throws -> JSONValue {
        throw KubernetesNotFoundError(resource: resource, name: name)
    }
    func list(_ resource: ClusterResource, namespace: String, labelSelector: String?) async throws -> [JSONValue] { [] }
}

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzTargets.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// libFuzzer's driver, entered from the executable's renamed main (SwiftPM links executables with
/// `main=<module>_main`, so libFuzzer's own `main` is not used).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@_cdecl("kubevirt_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzOneInput)
}
#else
/// Replays inputs: every file named, and every file in every directory named.
@main
struct Replay {
    static func main() {
        var files: [String] = []
        for argument in CommandLine.arguments.dropFirst() {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                FileHandle.standardError.write(Data("kubevirt-fuzz: \(argument): no such file or directory\n".utf8))
                exit(1)
            }
            if isDirectory.boolValue {
                let names = (try? FileManager.default.subpathsOfDirectory(atPath: argument)) ?? []
                files += names.sorted().map { argument + "/" + $0 }.filter { !$0.hasSuffix("/") && FileManager.default.isReadableFile(atPath: $0) }
            } else {
                files.append(argument)
            }
        }
        var replayed = 0
        for file in files {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue,
                let data = FileManager.default.contents(atPath: file)
            else { continue }
            FuzzTargets.run(Array(data))
            replayed += 1
        }
        FileHandle.standardError.write(Data("kubevirt-fuzz: replayed \(replayed) inputs without a crash\n".utf8))
    }
}
#endif
