#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import VeleroPluginKit

private struct Probe: BackupItemAction, RestoreItemAction {
    func appliesTo() throws -> ResourceSelector { ResourceSelector() }
    func execute(item: [UInt8], backup: [UInt8]) async throws -> BackupItemActionOutput { .unchanged }
    func execute(item: [UInt8], itemFromBackup: [UInt8], restore: [UInt8]) async throws -> RestoreItemActionOutput { .unchanged }
}

@Suite struct PluginRegistryTests {
    @Test(arguments: [
        ("kubevirt-velero-plugin/backup-pvc-action", true), ("velero.io/pod", true), ("a.b-c.d/x/y", false),
        ("noslash", false), ("/name", false), ("prefix/", false), ("Upper/x", false), ("-bad/x", false),
        ("bad-/x", false), ("a..b/x", false), ("under_score/x", false),
    ])
    func namesFollowVelerosRule(name: String, valid: Bool) {
        #expect((PluginRegistry.validate(name: name) == nil) == valid)
    }

    @Test func servingHooksRunInOrderOnAThreadOfTheirOwnWithoutHoldingUpTheServer() async throws {
        let registry = PluginRegistry()
        let log = Mutex<[String]>([])
        let release = Mutex(false)
        registry.whenServing {
            while !release.withLock({ $0 }) { usleep(1000) }  // a hook that blocks, e.g. reading files
            log.withLock { $0.append("first") }
        }
        registry.whenServing { log.withLock { $0.append("second") } }
        #expect(log.withLock { $0 }.isEmpty, "registering runs nothing")
        registry.startServingHooks()  // returns although the first hook blocks
        release.withLock { $0 = true }
        let deadline = ContinuousClock.now + .seconds(5)
        while log.withLock({ $0.count }) < 2 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(log.withLock { $0 } == ["first", "second"])
    }

    @Test func invalidAndDuplicateNamesStopTheBinaryBeforeServing() {
        let registry = PluginRegistry()
        registry.register(backupItemAction: "x.io/a") { Probe() }
        registry.register(restoreItemAction: "x.io/a") { Probe() }
        #expect(throws: Never.self) { try registry.validate() }
        registry.register(backupItemAction: "x.io/a") { Probe() }
        #expect(throws: RegistrationError.self) { try registry.validate() }

        let versions = PluginRegistry()
        versions.register(restoreItemAction: "x.io/r") { Probe() }
        versions.register(restoreItemActionV2: "x.io/r") { fatalError("never instantiated") }
        #expect(throws: RegistrationError.self) { try versions.validate() }

        let invalid = PluginRegistry()
        invalid.register(backupItemAction: "bad name") { Probe() }
        #expect(throws: RegistrationError.self) { try invalid.validate() }
    }

    @Test func identifiersAreGroupedByKindInGoOrderAndSortedByBytes() {
        let registry = PluginRegistry()
        registry.register(itemBlockAction: "x.io/z-block") { fatalError("not instantiated by listing") }
        registry.register(restoreItemAction: "x.io/b") { Probe() }
        registry.register(backupItemAction: "x.io/b") { Probe() }
        registry.register(backupItemAction: "x.io/B") { Probe() }
        registry.register(backupItemAction: "x.io/a") { Probe() }
        let listed = registry.identifiers(command: "/plugins/p").map { "\($0.kind) \($0.name)" }
        #expect(listed == ["BackupItemAction x.io/B", "BackupItemAction x.io/a", "BackupItemAction x.io/b", "RestoreItemAction x.io/b", "ItemBlockAction x.io/z-block"])
        #expect(registry.identifiers(command: "c", including: [.itemBlockAction]).map(\.name) == ["x.io/z-block"])
    }

    @Test func instancesAreCreatedLazilyOncePerNameAndOnlyForTheirKind() async throws {
        let created = Atomic<Int>(0)
        let registry = PluginRegistry()
        registry.register(backupItemAction: "x.io/a") {
            created.add(1, ordering: .relaxed)
            return Probe()
        }
        #expect(created.load(ordering: .relaxed) == 0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<32 { group.addTask { _ = try? registry.backupItemAction("x.io/a") } }
        }
        #expect(try registry.backupItemAction("x.io/a") != nil)
        #expect(try registry.restoreItemAction("x.io/a") == nil)
        #expect(try registry.backupItemAction("x.io/missing") == nil)
        #expect(created.load(ordering: .relaxed) >= 1)
        let before = created.load(ordering: .relaxed)
        _ = try registry.backupItemAction("x.io/a")
        #expect(created.load(ordering: .relaxed) == before, "a created instance is reused")
    }
}
