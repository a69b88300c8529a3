import VeleroSimulator
import Foundation
import PluginHost

extension PerformanceSuite.Report {
    /// One target of issue #7 and whether the run met it.
    public struct Check: Sendable {
        public var target: String
        public var measured: String
        public var met: Bool
    }

    static func ms(_ duration: Duration) -> Double {
        PerformanceSuite.seconds(duration) * 1000
    }

    static func format(_ value: Double, _ digits: Int = 3) -> String { String(format: "%.\(digits)f", value) }

    public func checks(latency: Duration) -> [Check] {
        var checks: [Check] = []
        let handshakeP50 = Self.ms(handshake.percentile(0.5))
        checks.append(Check(target: "handshake p50 ≤ 10 ms", measured: Self.format(handshakeP50, 2) + " ms", met: handshakeP50 <= 10))
        if let floor {
            let floorP50 = Self.ms(floor.percentile(0.5))
            checks.append(Check(target: "trivial Execute p50 ≤ 0.35 ms", measured: Self.format(floorP50) + " ms", met: floorP50 <= 0.35))
            let worst = actions.max { $0.latency.percentile(0.5) < $1.latency.percentile(0.5) }
            if let worst {
                let p50 = Self.ms(worst.latency.percentile(0.5))
                checks.append(
                    Check(
                        target: "every action's warm Execute p50 ≤ 2 × trivial (\(Self.format(2 * floorP50)) ms)",
                        measured: "slowest: \(worst.label) \(Self.format(p50)) ms", met: p50 <= 2 * floorP50))
            }
            if let one = throughputFloor.first(where: { $0.callers == 1 }), let sixteen = throughputFloor.first(where: { $0.callers == 16 }) {
                let ratio = sixteen.perSecond / one.perSecond
                checks.append(Check(target: "16 callers ≥ 1.6 × 1 caller (trivial)", measured: Self.format(ratio, 2) + "×", met: ratio >= 1.6))
            }
        }
        if let one = throughputVMBackup.first(where: { $0.callers == 1 }), let sixteen = throughputVMBackup.first(where: { $0.callers == 16 }) {
            let ratio = sixteen.perSecond / one.perSecond
            checks.append(Check(target: "16 callers ≥ 1.6 × 1 caller (running-VM backup)", measured: Self.format(ratio, 2) + "×", met: ratio >= 1.6))
        }
        let bound = 2 * Double(vmBackupColdRequests) * Self.ms(latency)
        let cold = Self.ms(vmBackupCold.percentile(0.5))
        checks.append(
            Check(
                target: "running-VM backup, cold process, \(Self.format(Self.ms(latency), 0)) ms API latency ≤ 2 × \(vmBackupColdRequests) requests × latency (\(Self.format(bound, 1)) ms)",
                measured: Self.format(cold, 2) + " ms", met: cold <= bound))
        if let peakRSSKiB {
            checks.append(
                Check(target: "peak RSS ≤ 25 MB after \(leakCalls) Execute calls", measured: Self.format(Double(peakRSSKiB) / 1024, 1) + " MB", met: peakRSSKiB <= 25 * 1024))
        }
        if let before = rssAfter10kKiB, let after = rssAfterLeakRunKiB {
            let growth = Double(after - before) / 1024
            checks.append(Check(target: "no RSS growth from 10,000 to \(leakCalls) calls (≤ 1 MB)", measured: Self.format(growth, 2) + " MB", met: growth <= 1))
        }
        if let scale {
            let worstLists = scale.podListsPerNamespace.values.max() ?? 0
            checks.append(Check(target: "scale: launcher-pod LISTs ≤ 2 per namespace", measured: "\(worstLists) at most", met: worstLists <= 2))
            if let cpu = scale.pluginCPU {
                let seconds = PerformanceSuite.seconds(cpu)
                checks.append(Check(
                    target: "scale: plugin CPU ≤ 10 s for \(scale.vms) VMs (median of \(max(1, scale.pluginCPURuns.count)) runs)",
                    measured: Self.format(seconds, 2) + " s", met: seconds <= 10))
            }
            checks.append(Check(target: "scale: backup without errors", measured: "\(scale.errors) errors", met: scale.errors == 0))
        }
        checks.append(Check(target: "no failed calls", measured: "\(failures) failed", met: failures == 0))
        return checks
    }

    /// Markdown tables (the form docs/performance.md records).
    public func markdown(latency: Duration) -> String {
        var lines: [String] = []
        func row(_ cells: String...) { lines.append("| " + cells.joined(separator: " | ") + " |") }
        func dist(_ d: PluginBenchmark.Distribution) -> (String, String) {
            (Self.format(Self.ms(d.percentile(0.5))), Self.format(Self.ms(d.percentile(0.99))))
        }
        lines.append("### Start and floor")
        lines.append("")
        row("measurement", "p50 ms", "p99 ms", "n")
        row("---", "---:", "---:", "---:")
        let h = dist(handshake)
        row("exec → handshake line", h.0, h.1, "\(handshake.samples.count)")
        if let floor {
            let f = dist(floor)
            row("trivial Execute round trip (kit-test-plugin echo)", f.0, f.1, "\(floor.samples.count)")
        }
        lines.append("")
        lines.append("### Execute per action (warm, same process, realistic items from examples/demo-namespace)")
        lines.append("")
        row("action", "item", "p50 ms", "p99 ms", "API requests per call")
        row("---", "---", "---:", "---:", "---:")
        for figure in actions {
            let d = dist(figure.latency)
            row(String(figure.action.split(separator: "/").last ?? ""), figure.label, d.0, d.1, Self.format(figure.requestsPerCall, 2))
        }
        lines.append("")
        lines.append("### Running-VM backup against an API with \(Self.format(Self.ms(latency), 0)) ms latency")
        lines.append("")
        row("case", "p50 ms", "p99 ms", "API requests per call")
        row("---", "---:", "---:", "---:")
        let c = dist(vmBackupCold)
        row("cold: first Execute of a new process (client, LISTs, GETs)", c.0, c.1, "\(vmBackupColdRequests)")
        let w = dist(vmBackupWarmWithLatency)
        row("warm: later Executes of that process", w.0, w.1, Self.format(vmBackupWarmRequests, 2))
        lines.append("")
        lines.append("### Throughput (calls per second)")
        lines.append("")
        row("callers", "trivial Execute", "running-VM backup")
        row("---:", "---:", "---:")
        for (index, entry) in throughputVMBackup.enumerated() {
            let floorRate = throughputFloor.indices.contains(index) ? Self.format(throughputFloor[index].perSecond, 0) : "–"
            row("\(entry.callers)", floorRate, Self.format(entry.perSecond, 0))
        }
        lines.append("")
        lines.append("### Memory of the plugin process")
        lines.append("")
        row("point", "RSS MB")
        row("---", "---:")
        func mb(_ kib: Int?) -> String { kib.map { Self.format(Double($0) / 1024, 1) } ?? "–" }
        row("idle after the handshake", mb(idleRSSKiB))
        row("after 10,000 Execute calls", mb(rssAfter10kKiB))
        row("after \(leakCalls) Execute calls", mb(rssAfterLeakRunKiB))
        row("peak (VmHWM)", mb(peakRSSKiB))
        if let scale {
            lines.append("")
            lines.append("### Scale: backup of \(scale.vms) running VMs in \(scale.namespaces) namespaces (simulated Velero walk)")
            lines.append("")
            row("measurement", "value")
            row("---", "---:")
            row("items backed up", "\(scale.items)")
            row("plugin calls (Execute + GetRelatedItems)", "\(scale.executeCalls)")
            row("API requests", "\(scale.apiRequests)")
            row("API requests per VM", Self.format(Double(scale.apiRequests) / Double(max(1, scale.vms)), 2))
            row("launcher-pod LISTs per namespace (max)", "\(scale.podListsPerNamespace.values.max() ?? 0)")
            row("plugin CPU time (median run)", scale.pluginCPU.map { Self.format(PerformanceSuite.seconds($0), 2) + " s" } ?? "–")
            if scale.pluginCPURuns.count > 1 {
                row("plugin CPU time of each run", scale.pluginCPURuns.map { Self.format(PerformanceSuite.seconds($0), 2) + " s" }.joined(separator: ", "))
            }
            row("plugin peak RSS", mb(scale.peakRSSKiB))
            row("wall time of the walk", Self.format(PerformanceSuite.seconds(scale.wall), 1) + " s")
            row("errors", "\(scale.errors)")
        }
        lines.append("")
        lines.append("### Targets (issue #7)")
        lines.append("")
        row("target", "measured", "met")
        row("---", "---", "---")
        for check in checks(latency: latency) { row(check.target, check.measured, check.met ? "yes" : "**no**") }
        return lines.joined(separator: "\n") + "\n"
    }
}
