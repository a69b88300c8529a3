/// What a plugin takes from the arguments Velero passes (Velero ≤ 1.14 builds them itself, later versions pass their
/// own server flags): only `--log-level`, in both the `--log-level=v` and `--log-level v` forms. Everything else is
/// ignored in either form; nothing makes it exit.
public struct LaunchArguments: Sendable, Equatable {
    /// The requested level; `nil` if absent.
    public var logLevel: VeleroLogLevel?
    /// A `--log-level` value that is not a logrus level (the plugin falls back to info and warns).
    public var unrecognisedLogLevel: String?
    /// The arguments have the shape Velero ≤ 1.14 built itself: exactly `--log-level L` optionally followed by
    /// `--features F` (separate argv entries). Velero ≥ 1.15 passes its own server arguments verbatim instead.
    public var hasLegacyVeleroShape: Bool

    public init(_ arguments: [String]) {
        logLevel = nil
        unrecognisedLogLevel = nil
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            var value: String?
            if argument == "--log-level" || argument == "-log-level" {
                if index + 1 < arguments.count {
                    value = arguments[index + 1]
                    index += 1
                } else {
                    value = ""
                }
            } else if argument.hasPrefix("--log-level=") {
                value = String(argument.dropFirst("--log-level=".count))
            } else if argument.hasPrefix("-log-level=") {
                value = String(argument.dropFirst("-log-level=".count))
            }
            if let value {
                if let level = VeleroLogLevel(name: value) {
                    logLevel = level
                    unrecognisedLogLevel = nil
                } else {
                    unrecognisedLogLevel = value
                }
            }
            index += 1
        }
        hasLegacyVeleroShape =
            (arguments.count == 2 && arguments[0] == "--log-level")
            || (arguments.count == 4 && arguments[0] == "--log-level" && arguments[2] == "--features")
    }
}

/// Whether ListPlugins advertises ItemBlockActions. Velero ≤ 1.14 stops at start-up when shown one (an unknown
/// plugin kind to it), so they are hidden from launches with the legacy argument shape unless the environment says
/// otherwise.
public struct ItemBlockActionGate: Sendable, Equatable {
    /// Environment variable that overrides the detection: `enabled`/`true`/`1` or `disabled`/`false`/`0`.
    public static let environmentVariable = "VELERO_PLUGIN_ITEM_BLOCK_ACTIONS"

    public var advertise: Bool
    public var reason: String

    public init(arguments: LaunchArguments, environment: [String: String]) {
        if let raw = environment[Self.environmentVariable], !raw.isEmpty {
            switch raw.lowercased() {
            case "enabled", "enable", "true", "1", "yes", "on":
                advertise = true
                reason = "\(Self.environmentVariable)=\(raw)"
                return
            case "disabled", "disable", "false", "0", "no", "off":
                advertise = false
                reason = "\(Self.environmentVariable)=\(raw)"
                return
            default:
                break  // unknown value: fall through to the detection, the reason says so
            }
        }
        let ignored =
            environment[Self.environmentVariable].map { $0.isEmpty ? "" : " (ignoring \(Self.environmentVariable)=\($0))" }
            ?? ""
        if arguments.hasLegacyVeleroShape {
            advertise = false
            reason =
                "the launch arguments have the shape Velero 1.14 and older use (only --log-level and --features), "
                + "and those versions refuse ItemBlockAction plugins\(ignored)"
        } else {
            advertise = true
            reason = "the launch arguments have the Velero 1.15+ shape\(ignored)"
        }
    }
}
