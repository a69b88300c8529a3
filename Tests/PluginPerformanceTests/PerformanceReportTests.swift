import PluginHost
import Testing
@testable import PluginPerformance

@Suite struct PerformanceReportTests {
    static func run(cpu seconds: Int64, lists: Int, errors: Int, items: Int) -> PerformanceSuite.ScaleFigure {
        PerformanceSuite.ScaleFigure(
            vms: 100, namespaces: 2, items: items, executeCalls: 500, apiRequests: 8,
            podListsPerNamespace: ["scale-0": lists, "scale-1": 1], pluginCPU: .seconds(seconds), wall: .seconds(seconds * 2),
            errors: errors, peakRSSKiB: 1000)
    }

    @Test func theScaleFigureIsTheMedianRunWithTheWorstListsAndErrorsOfAnyRun() throws {
        let runs = [
            Self.run(cpu: 9, lists: 1, errors: 0, items: 1), Self.run(cpu: 5, lists: 3, errors: 0, items: 2),
            Self.run(cpu: 7, lists: 1, errors: 2, items: 3),
        ]
        let figure = try #require(PerformanceSuite.median(of: runs))
        #expect(figure.pluginCPU == .seconds(7))
        #expect(figure.items == 3, "the median run's own figures")
        #expect(figure.pluginCPURuns == [.seconds(9), .seconds(5), .seconds(7)])
        #expect(figure.podListsPerNamespace["scale-0"] == 3)
        #expect(figure.errors == 2)
        #expect(PerformanceSuite.median(of: []) == nil)

        var report = PerformanceSuite.Report(handshake: PluginBenchmark.Distribution([]))
        report.scale = figure
        let text = report.markdown(latency: .milliseconds(2))
        #expect(text.contains("| plugin CPU time of each run | 9.00 s, 5.00 s, 7.00 s |"))
        #expect(text.contains("| scale: plugin CPU ≤ 10 s for 100 VMs (median of 3 runs) | 7.00 s | yes |"))
        #expect(text.contains("| scale: launcher-pod LISTs ≤ 2 per namespace | 3 at most | **no** |"))
    }
}
