import Testing
import Foundation
@testable import KubeVirtVeleroPlugin

@Test("probe") func probe() throws {
    let raw = Fixtures.raw("vm-fedora-full.json")
    let compact = try JSONValue.parse(raw).serialized()
    let start = Date()
    var total = 0
    for _ in 0..<10_000 {
        var value = try JSONValue.parse(compact)
        try value.setValue("r", at: ["spec", "instancetype", "revisionName"])
        total += value.serialized(reservingCapacity: compact.count).count
    }
    print("PROBE bytes=\(compact.count) 10k parse+edit+serialize: \(Date().timeIntervalSince(start))s total=\(total)")
}
