import LosslessJSON
import SchemaCheck
import Testing

/// The bytes of a VirtualMachine, VirtualMachineInstance, DataVolume or DataSource written in a test, after checking
/// it against KubeVirt's and CDI's published API (`SchemaExtract`): an unknown key or a wrong JSON type fails the
/// test that wrote it, so end-to-end tests, too, only send objects a real API server would return.
func apiObject(
    _ text: String, deliberatelyUnknown: Set<String> = [], sourceLocation: Testing.SourceLocation = #_sourceLocation
) -> [UInt8] {
    let bytes = Array(text.utf8)
    do {
        let value = try JSONValue.parse(bytes)
        #expect(SchemaExtract.repository.describes(kind: (try? value.string(at: ["kind"])) ?? nil ?? ""),
            "apiObject is for the kinds the published API extract describes", sourceLocation: sourceLocation)
        for violation in SchemaExtract.repository.violations(of: value, deliberatelyUnknown: deliberatelyUnknown) {
            Issue.record("test object does not match the published API: \(violation)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("bad JSON in test: \(error)", sourceLocation: sourceLocation)
    }
    return bytes
}
