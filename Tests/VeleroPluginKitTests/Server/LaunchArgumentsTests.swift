import Testing
@testable import VeleroPluginKit

@Suite struct LaunchArgumentsTests {
    @Test(arguments: [
        (["--log-level", "debug"], VeleroLogLevel.debug),
        (["--log-level=warning"], .warning),
        (["--features=EnableCSI", "--log-level", "error", "--uploader-type=kopia"], .error),
        (["--log-level", "info", "--log-level=trace"], .trace),
        (["--log-format", "json", "--log-level", "panic"], .panic),
    ])
    func logLevelIsReadInBothForms(arguments: [String], level: VeleroLogLevel) {
        #expect(LaunchArguments(arguments).logLevel == level)
    }

    @Test func unknownFlagsInEveryFormAreIgnoredAndBadLevelsReported() {
        let parsed = LaunchArguments(["--unknown", "x", "--other=1", "-v", "--log-level", "loud"])
        #expect(parsed.logLevel == nil)
        #expect(parsed.unrecognisedLogLevel == "loud")
        #expect(LaunchArguments([]).logLevel == nil)
        #expect(LaunchArguments(["--log-level"]).unrecognisedLogLevel == "")
    }

    @Test func legacyShapeIsExactlyWhatVelero114Built() {
        #expect(LaunchArguments(["--log-level", "info"]).hasLegacyVeleroShape)
        #expect(LaunchArguments(["--log-level", "debug", "--features", "EnableCSI"]).hasLegacyVeleroShape)
        #expect(!LaunchArguments([]).hasLegacyVeleroShape)
        #expect(!LaunchArguments(["--log-level=info"]).hasLegacyVeleroShape)
        #expect(!LaunchArguments(["--log-level", "debug", "--features=EnableCSI"]).hasLegacyVeleroShape)
        #expect(!LaunchArguments(["--features", "EnableCSI", "--log-level", "info"]).hasLegacyVeleroShape)
        #expect(!LaunchArguments(["--log-level", "info", "--uploader-type=kopia", "--default-volumes-to-fs-backup=true"]).hasLegacyVeleroShape)
    }

    @Test func itemBlockGateFollowsTheShapeUnlessTheEnvironmentOverrides() {
        let legacy = LaunchArguments(["--log-level", "info"])
        let modern = LaunchArguments(["--log-level=info", "--features=EnableCSI"])
        #expect(!ItemBlockActionGate(arguments: legacy, environment: [:]).advertise)
        #expect(ItemBlockActionGate(arguments: modern, environment: [:]).advertise)
        let key = ItemBlockActionGate.environmentVariable
        #expect(ItemBlockActionGate(arguments: legacy, environment: [key: "enabled"]).advertise)
        #expect(!ItemBlockActionGate(arguments: modern, environment: [key: "disabled"]).advertise)
        #expect(!ItemBlockActionGate(arguments: modern, environment: [key: "0"]).advertise)
        let unknown = ItemBlockActionGate(arguments: modern, environment: [key: "maybe"])
        #expect(unknown.advertise)
        #expect(unknown.reason.contains("ignoring \(key)=maybe"))
        #expect(ItemBlockActionGate(arguments: legacy, environment: [:]).reason.contains("1.14"))
    }
}
