/// Swift value types for the messages of Velero's plugin protos and go-plugin's services (`proto/`).
/// Their protobuf encoding lives in `Codecs/` (over `ProtobufC`); nothing else in the project sees protobuf-c.
///
/// Messages with the same fields in several proto packages (e.g. `generated.ExecuteRequest` and
/// `v2.ExecuteRequest`) share one Swift type; the codec is told which proto message it reads or writes.

public struct PluginIdentifier: Sendable, Equatable {
    public var command: String
    public var kind: String
    public var name: String

    public init(command: String, kind: String, name: String) {
        self.command = command
        self.kind = kind
        self.name = name
    }
}

/// `generated.ListPluginsResponse`.
public struct ListPluginsResponse: Sendable, Equatable {
    public var plugins: [PluginIdentifier]
    public init(plugins: [PluginIdentifier]) { self.plugins = plugins }
}

/// Every `…AppliesToRequest` (BIA v1/v2, RIA v1/v2, IBA, DIA): only the plugin name.
public struct AppliesToRequest: Sendable, Equatable {
    public var plugin: String
    public init(plugin: String) { self.plugin = plugin }
}

/// Every `…AppliesToResponse`. `nil` selector = field absent = every resource (as in Velero).
public struct AppliesToResponse: Sendable, Equatable {
    public var selector: ResourceSelector?
    public init(selector: ResourceSelector?) { self.selector = selector }
}

/// `generated.ExecuteRequest`, `v2.ExecuteRequest` and `v1.ItemBlockActionGetRelatedItemsRequest`.
public struct BackupExecuteRequest: Sendable, Equatable {
    public var plugin: String
    public var item: [UInt8]
    public var backup: [UInt8]

    public init(plugin: String, item: [UInt8], backup: [UInt8]) {
        self.plugin = plugin
        self.item = item
        self.backup = backup
    }
}

/// `generated.ExecuteResponse` (v1 carries only `item` and `additionalItems`) and `v2.ExecuteResponse`.
public struct BackupExecuteResponse: Sendable, Equatable {
    public var item: [UInt8]
    public var additionalItems: [ResourceIdentifier]
    public var operationID: String
    public var postOperationItems: [ResourceIdentifier]

    public init(
        item: [UInt8], additionalItems: [ResourceIdentifier] = [], operationID: String = "",
        postOperationItems: [ResourceIdentifier] = []
    ) {
        self.item = item
        self.additionalItems = additionalItems
        self.operationID = operationID
        self.postOperationItems = postOperationItems
    }
}

/// `generated.RestoreItemActionExecuteRequest` and its v2 twin.
public struct RestoreExecuteRequest: Sendable, Equatable {
    public var plugin: String
    public var item: [UInt8]
    public var restore: [UInt8]
    public var itemFromBackup: [UInt8]

    public init(plugin: String, item: [UInt8], restore: [UInt8], itemFromBackup: [UInt8]) {
        self.plugin = plugin
        self.item = item
        self.restore = restore
        self.itemFromBackup = itemFromBackup
    }
}

/// A protobuf `google.protobuf.Duration` or `Timestamp` value.
public struct ProtoTime: Sendable, Equatable {
    public var seconds: Int64
    public var nanos: Int32

    public init(seconds: Int64, nanos: Int32 = 0) {
        self.seconds = seconds
        self.nanos = nanos
    }

    /// Go's zero `time.Time` (0001-01-01T00:00:00Z): what a Go plugin sends for "unknown" (an absent
    /// Timestamp would read as 1970-01-01, a real time).
    public static let goZeroTime = ProtoTime(seconds: -62_135_596_800)
}

/// `generated.RestoreItemActionExecuteResponse` (v1 fields) and `v2.RestoreItemActionExecuteResponse`.
public struct RestoreExecuteResponse: Sendable, Equatable {
    public var item: [UInt8]
    public var additionalItems: [ResourceIdentifier]
    public var skipRestore: Bool
    public var operationID: String
    public var waitForAdditionalItems: Bool
    public var additionalItemsReadyTimeout: ProtoTime?

    public init(
        item: [UInt8], additionalItems: [ResourceIdentifier] = [], skipRestore: Bool = false,
        operationID: String = "", waitForAdditionalItems: Bool = false, additionalItemsReadyTimeout: ProtoTime? = nil
    ) {
        self.item = item
        self.additionalItems = additionalItems
        self.skipRestore = skipRestore
        self.operationID = operationID
        self.waitForAdditionalItems = waitForAdditionalItems
        self.additionalItemsReadyTimeout = additionalItemsReadyTimeout
    }
}

/// `v2.…ProgressRequest` and `v2.…CancelRequest` of both v2 services; `payload` is the Backup or Restore JSON.
public struct OperationRequest: Sendable, Equatable {
    public var plugin: String
    public var operationID: String
    public var payload: [UInt8]

    public init(plugin: String, operationID: String, payload: [UInt8]) {
        self.plugin = plugin
        self.operationID = operationID
        self.payload = payload
    }
}

/// `generated.OperationProgress`. `started`/`updated` default to Go's zero time, as a Go plugin sends them.
public struct OperationProgress: Sendable, Equatable {
    public var completed: Bool
    public var err: String
    public var nCompleted: Int64
    public var nTotal: Int64
    public var operationUnits: String
    public var description: String
    public var started: ProtoTime
    public var updated: ProtoTime

    public init(
        completed: Bool = false, err: String = "", nCompleted: Int64 = 0, nTotal: Int64 = 0,
        operationUnits: String = "", description: String = "",
        started: ProtoTime = .goZeroTime, updated: ProtoTime = .goZeroTime
    ) {
        self.completed = completed
        self.err = err
        self.nCompleted = nCompleted
        self.nTotal = nTotal
        self.operationUnits = operationUnits
        self.description = description
        self.started = started
        self.updated = updated
    }
}

/// `v2.RestoreItemActionItemsReadyRequest`.
public struct ItemsReadyRequest: Sendable, Equatable {
    public var plugin: String
    public var restore: [UInt8]
    public var additionalItems: [ResourceIdentifier]

    public init(plugin: String, restore: [UInt8], additionalItems: [ResourceIdentifier]) {
        self.plugin = plugin
        self.restore = restore
        self.additionalItems = additionalItems
    }
}

/// `v1.ItemBlockActionGetRelatedItemsResponse`.
public struct GetRelatedItemsResponse: Sendable, Equatable {
    public var relatedItems: [ResourceIdentifier]
    public init(relatedItems: [ResourceIdentifier]) { self.relatedItems = relatedItems }
}

/// `grpc.health.v1.HealthCheckRequest`.
public struct HealthCheckRequest: Sendable, Equatable {
    public var service: String
    public init(service: String) { self.service = service }
}

/// `grpc.health.v1.HealthCheckResponse`; `status` uses the proto's enum numbers (1 = SERVING).
public struct HealthCheckResponse: Sendable, Equatable {
    public static let serving: Int32 = 1
    public var status: Int32
    public init(status: Int32) { self.status = status }
}

/// `generated.StackFrame`.
public struct StackFrame: Sendable, Equatable {
    public var file: String
    public var line: Int32
    public var function: String

    public init(file: String, line: Int32, function: String) {
        self.file = file
        self.line = line
        self.function = function
    }
}

/// `google.protobuf.Any`.
public struct AnyMessage: Sendable, Equatable {
    public var typeURL: String
    public var value: [UInt8]

    public init(typeURL: String, value: [UInt8]) {
        self.typeURL = typeURL
        self.value = value
    }
}

/// `google.rpc.Status`: the value of `grpc-status-details-bin`; its code and message must equal the
/// status's, or grpc-go replaces the status with INTERNAL.
public struct RPCStatus: Sendable, Equatable {
    public var code: Int32
    public var message: String
    public var details: [AnyMessage]

    public init(code: Int32, message: String, details: [AnyMessage] = []) {
        self.code = code
        self.message = message
        self.details = details
    }

    public static let stackTypeURL = "type.googleapis.com/generated.Stack"
}

/// A message that could not be decoded.
public struct WireDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
