/// Where an error was raised; becomes the single frame of the `generated.Stack` detail Velero decodes
/// (it reads frame 0 for its error's file, line and function).
public struct SourceLocation: Sendable, Equatable {
    public var file: String
    public var line: Int
    public var function: String

    public init(file: String = #fileID, line: Int = #line, function: String = #function) {
        self.file = file
        self.line = line
        self.function = function
    }
}

/// An action failure with a message meant for a cluster admin. Answered as gRPC UNKNOWN with `message` verbatim and
/// one Stack frame pointing at the place that raised it.
public struct ActionError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var location: SourceLocation

    public init(_ message: String, file: String = #fileID, line: Int = #line, function: String = #function) {
        self.message = message
        self.location = SourceLocation(file: file, line: line, function: function)
    }

    public var description: String { message }
}

/// An unexpected internal failure, answered like a Go plugin's recovered panic: gRPC ABORTED with
/// `plugin panicked: <reason>`. Throw it where Go code would have panicked; Swift traps cannot be recovered.
public struct PluginPanic: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var location: SourceLocation

    public init(_ reason: String, file: String = #fileID, line: Int = #line, function: String = #function) {
        self.reason = reason
        self.location = SourceLocation(file: file, line: line, function: function)
    }

    public var description: String { "plugin panicked: \(reason)" }
}
