import PluginHost
import Foundation
import VeleroPluginKit

/// Whole-process measurements of a plugin binary driven like Velero drives it: start → handshake, Execute round
/// trips for one action (sequential and with concurrent callers), and the plugin's resident memory.
public struct PluginBenchmark: Sendable {
    public struct Settings: Sendable {
        public var path: String
        public var arguments: [String]
        public var action: String
        public var kind: PluginKind
        public var item: [UInt8]
        public var context: [UInt8]
        public var launches: Int
        public var calls: Int
        public var concurrency: [Int]
        /// Added to the plugin's environment (e.g. KUBECONFIG of a local API).
        public var environment: [String: String] = [:]

        public init(
            path: String, arguments: [String] = ["--log-level", "info", "--features=EnableCSI"], action: String,
            kind: PluginKind = .backupItemAction, item: [UInt8], context: [UInt8] = Array("{}".utf8), launches: Int = 20,
            calls: Int = 2000, concurrency: [Int] = [1, 4, 16]
        ) {
            self.path = path
            self.arguments = arguments
            self.action = action
            self.kind = kind
            self.item = item
            self.context = context
            self.launches = launches
            self.calls = calls
            self.concurrency = concurrency
        }
    }

    public struct Distribution: Sendable, CustomStringConvertible {
        public var samples: [Duration]
        public init(_ samples: [Duration]) { self.samples = samples.sorted() }
        public func percentile(_ p: Double) -> Duration {
            guard !samples.isEmpty else { return .zero }
            let index = min(samples.count - 1, Int((Double(samples.count) * p).rounded(.up)) - 1)
            return samples[max(0, index)]
        }
        public var description: String {
            "p50 \(Self.ms(percentile(0.5))) ms, p99 \(Self.ms(percentile(0.99))) ms (n=\(samples.count))"
        }
        static func ms(_ d: Duration) -> String {
            String(format: "%.3f", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
        }
    }

    public struct Report: Sendable {
        public var handshake: Distribution
        public var execute: Distribution
        /// callers → calls per second
        public var throughput: [(callers: Int, perSecond: Double)]
        public var idleRSSKiB: Int?
        public var peakRSSKiB: Int?
        public var failures: Int
    }

    public let settings: Settings
    public init(_ settings: Settings) { self.settings = settings }

    /// Time from exec to the handshake line, once per launch.
    public static func handshakeTimes(path: String, arguments: [String], environment: [String: String], launches: Int) throws -> [Duration] {
        var handshakes: [Duration] = []
        for _ in 0..<launches {
            let start = ContinuousClock.now
            let process = try PluginProcess(path: path, arguments: arguments, environment: environment)
            _ = try process.waitForHandshakeLine(timeout: .seconds(60))
            handshakes.append(ContinuousClock.now - start)
            process.signal(SIGKILL)
            process.waitForExit(timeout: .seconds(5))
        }
        return handshakes
    }

    public func run() async throws -> Report {
        let handshakes = try Self.handshakeTimes(
            path: settings.path, arguments: settings.arguments, environment: settings.environment, launches: settings.launches)

        let host = try await PluginHost(path: settings.path, arguments: settings.arguments, environment: settings.environment)
        let idle = Self.rss(pid: host.process.pid).current
        var failures = 0
        // warm up: instantiate the action, fill caches
        for _ in 0..<50 { if await !once(host) { failures += 1 } }
        var latencies: [Duration] = []
        latencies.reserveCapacity(settings.calls)
        for _ in 0..<settings.calls {
            let start = ContinuousClock.now
            if await !once(host) { failures += 1 }
            latencies.append(ContinuousClock.now - start)
        }
        var throughput: [(Int, Double)] = []
        for callers in settings.concurrency {
            let perCaller = max(1, settings.calls / callers)
            let start = ContinuousClock.now
            let failed = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        var failed = 0
                        for _ in 0..<perCaller { if await !once(host) { failed += 1 } }
                        return failed
                    }
                }
                return await group.reduce(0, +)
            }
            failures += failed
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            throughput.append((callers, Double(perCaller * callers) / seconds))
        }
        let peak = Self.rss(pid: host.process.pid).peak
        await host.kill()
        return Report(
            handshake: Distribution(handshakes), execute: Distribution(latencies), throughput: throughput,
            idleRSSKiB: idle, peakRSSKiB: peak, failures: failures)
    }

    private func once(_ host: PluginHost) async -> Bool {
        do {
            switch settings.kind {
            case .restoreItemAction:
                _ = try await host.restoreExecute(name: settings.action, item: settings.item, itemFromBackup: settings.item, restore: settings.context)
            case .itemBlockAction:
                _ = try await host.getRelatedItems(name: settings.action, item: settings.item, backup: settings.context)
            default:
                _ = try await host.backupExecute(name: settings.action, item: settings.item, backup: settings.context)
            }
            return true
        } catch {
            return false
        }
    }

    /// User plus system CPU time a process has used so far (`/proc/<pid>/stat` fields 14 and 15).
    public static func cpuTime(pid: pid_t) -> Duration? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name (which may contain spaces) start at field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
        let ticks = max(1, sysconf(Int32(_SC_CLK_TCK)))
        return .milliseconds((user + system) * 1000 / ticks)
    }

    /// VmRSS and VmHWM of a process, in KiB.
    public static func rss(pid: pid_t) -> (current: Int?, peak: Int?) {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return (nil, nil) }
        func value(_ key: String) -> Int? {
            status.split(separator: "\n").first { $0.hasPrefix(key + ":") }
                .flatMap { Int($0.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") }
        }
        return (value("VmRSS"), value("VmHWM"))
    }
}
