import Foundation
import Testing

/// `tools/install-deps.sh`, which `make build`/`make demo` (goal `build`), `make test` (`test`) and `.ci/run` (`ci`)
/// call, run with stand-ins for `dpkg-query`, `apt-get` and `id` first on PATH (`Stubs/install-deps/`): nothing is
/// removed from or installed on the machine. The stand-in dpkg-query reports installed only the packages in
/// `$INSTALLED`; apt-get records each call. The stand-ins are committed, not written here: an executable written
/// while other tests spawn children can fail to start with ETXTBSY (Stubs/README.md).
@Suite struct InstallDepsTests {
    static let repository = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let stubs = repository + "/Tests/EndToEndTests/Stubs/install-deps"

    static let buildPackages = ["libgrpc-dev", "libprotobuf-c-dev", "protobuf-c-compiler", "protobuf-compiler", "libprotobuf-dev"]
    static let testPackages = buildPackages + ["golang-go", "golang-github-hashicorp-go-plugin-dev", "golang-google-grpc-dev"]

    struct Run {
        var status: Int32
        var stderr: String
        /// One line per apt-get call: its arguments.
        var aptCalls: [String]
    }

    static func run(goal: String, installed: [String], uid: Int) throws -> Run {
        let scratch = try makeScratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (status, _, stderr) = try Self.execute("/bin/bash", [repository + "/tools/install-deps.sh", goal], environment: [
            "PATH": stubs + ":/usr/bin:/bin", "INSTALLED": installed.joined(separator: " "), "APT_LOG": scratch + "/apt.log",
            "STUB_UID": String(uid), "HOME": scratch + "/no-home",
        ])
        let log = (try? String(contentsOfFile: scratch + "/apt.log", encoding: .utf8)) ?? ""
        return Run(status: status, stderr: stderr, aptCalls: log.split(separator: "\n").map(String.init))
    }

    /// Runs a program to its end: exit status, stdout, stderr (stderr read on another thread, so neither pipe fills).
    static func execute(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        nonisolated(unsafe) var errorData = Data()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errorData = errors.fileHandleForReading.readDataToEndOfFile() }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outputData, as: UTF8.self), String(decoding: errorData, as: UTF8.self))
    }

    @Test("as root on a fresh machine: apt-get update, then one install naming every package of the goal", arguments: [
        ("build", buildPackages), ("test", testPackages), ("ci", testPackages),
    ])
    func freshMachineAsRoot(goal: String, packages: [String]) throws {
        let run = try Self.run(goal: goal, installed: [], uid: 0)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.aptCalls == ["update -qq", "install -y -qq " + packages.joined(separator: " ")])
    }

    @Test("only the missing packages are installed, and nothing when all are there")
    func onlyMissing() throws {
        let some = try Self.run(goal: "test", installed: ["libgrpc-dev", "golang-go", "protobuf-compiler"], uid: 0)
        #expect(some.status == 0)
        #expect(some.aptCalls.last == "install -y -qq libprotobuf-c-dev protobuf-c-compiler libprotobuf-dev golang-github-hashicorp-go-plugin-dev golang-google-grpc-dev")
        let none = try Self.run(goal: "test", installed: Self.testPackages, uid: 0)
        #expect(none.status == 0 && none.aptCalls.isEmpty && none.stderr.isEmpty)
    }

    @Test("as another user: prints the one command to run, installs nothing, exits 1")
    func notRoot() throws {
        let run = try Self.run(goal: "build", installed: ["libgrpc-dev"], uid: 1000)
        #expect(run.status == 1)
        #expect(run.aptCalls.isEmpty)
        #expect(run.stderr.contains("sudo apt-get update && sudo apt-get install -y libprotobuf-c-dev protobuf-c-compiler protobuf-compiler libprotobuf-dev"))
    }

    @Test("an unknown goal is a usage error")
    func usage() throws {
        let run = try Self.run(goal: "everything", installed: [], uid: 0)
        #expect(run.status == 2 && run.stderr.contains("usage:") && run.aptCalls.isEmpty)
    }

    @Test("make demo, make test and .ci/run go through the script")
    func wiredIn() throws {
        func dryRun(_ target: String) throws -> String {
            try Self.execute("/usr/bin/make", ["-n", "-C", Self.repository, target]).1
        }
        #expect(try dryRun("demo").contains("tools/install-deps.sh build"))
        #expect(try dryRun("test").contains("tools/install-deps.sh test"))
        let ci = try String(contentsOfFile: Self.repository + "/.ci/run", encoding: .utf8)
        #expect(ci.contains("tools/install-deps.sh ci"))
    }
}
