import FakeKubeAPI
import Foundation
import LosslessJSON
import Testing
@testable import VeleroSimulator

@Suite struct VeleroObjectsTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/velero-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func backupManifestIsReadAndMarshalledWithSortedKeys() throws {
        let path = try write(
            """
            apiVersion: velero.io/v1
            kind: Backup
            metadata:
              name: nightly
              labels: {velero.kubevirt.io/metadataBackup: "true"}
            spec:
              includedNamespaces: [demo]
              excludedResources: [pods]
              labelSelector:
                matchLabels: {app: web}
                matchExpressions: [{key: tier, operator: In, values: [b, a]}]
              snapshotMoveData: true
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = try BackupSpec(file: path)
        #expect(spec.name == "nightly")
        #expect(spec.namespaces.included == ["demo"])
        #expect(spec.resources.excluded == ["pods"])
        let selector = try LabelSelector(spec.selector)
        #expect(selector.matches(["app": "web", "tier": "a"]) && !selector.matches(["app": "web", "tier": "c"]))
        let json = try spec.json()
        #expect(try json.string(at: ["metadata", "labels", "velero.kubevirt.io/metadataBackup"]) == "true")
        #expect(json.objectValue?.keys == ["apiVersion", "kind", "metadata", "spec"])
        let specKeys = try #require(try json.object(at: ["spec"])).keys
        #expect(specKeys == specKeys.sorted(), "Velero marshals with sorted keys")
        #expect(try json.object(at: ["spec", "labelSelector", "matchLabels"])?["app"] == "web")
        #expect(try json.bool(at: ["spec", "snapshotMoveData"]) == true)
    }

    @Test func labelSelectorsRoundTripThroughTheMetav1Form() throws {
        for text in ["app=web", "a!=b", "env in (x,y)", "env notin (z)", "k", "!k", "app=web,tier in (a,b),!old"] {
            let selector = try LabelSelector(text)
            let again = try LabelSelector(metav1: selector.metav1JSON)
            for labels: [String: String] in [[:], ["app": "web"], ["a": "b"], ["env": "x"], ["env": "z"], ["k": ""], ["app": "web", "tier": "a"], ["old": "1"]] {
                #expect(selector.matches(labels) == again.matches(labels), "\(text) on \(labels)")
            }
        }
        #expect(throws: (any Error).self) { try LabelSelector(metav1: ["matchExpressions": [["key": "a", "operator": "Like"]]]) }
    }

    @Test func restoreManifestAndWrongKinds() throws {
        let path = try write(
            """
            apiVersion: velero.io/v1
            kind: Restore
            metadata: {name: r1, labels: {velero.kubevirt.io/clear-mac-address: ""}}
            spec: {backupName: nightly, namespaceMapping: {demo: demo2}}
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = try RestoreSpec(file: path)
        #expect(spec.backupName == "nightly" && spec.targetNamespace(for: "demo") == "demo2" && spec.targetNamespace(for: "x") == "x")
        #expect(spec.labels.map(\.0) == ["velero.kubevirt.io/clear-mac-address"])
        #expect(try spec.json().string(at: ["spec", "namespaceMapping", "demo"]) == "demo2")
        #expect { try BackupSpec(file: path) } throws: { "\($0)".contains("expected a velero.io/v1 Backup") }
    }

    /// The Restore's selectors reach the preview's collection and the Restore the plugin is sent.
    @Test func restoreManifestSelectors() throws {
        let path = try write(
            """
            apiVersion: velero.io/v1
            kind: Restore
            metadata: {name: r2}
            spec:
              backupName: nightly
              orLabelSelectors:
              - matchLabels: {velero.kubevirt.io/vm-name: db}
              - matchExpressions: [{key: app, operator: In, values: [web]}]
            """)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let spec = try RestoreSpec(file: path)
        #expect(spec.selector.isEmpty)
        #expect(spec.orSelectors.count == 2)
        let sent = try #require(try spec.json().array(at: ["spec", "orLabelSelectors"]))
        #expect(try sent[0].string(at: ["matchLabels", "velero.kubevirt.io/vm-name"]) == "db")
        #expect(try sent[1].array(at: ["matchExpressions"])?.count == 1)
    }

    @Test func restoreCleanupStripsWhatVeleroStrips() throws {
        let item: JSONValue = [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": [
                "name": "p", "namespace": "demo", "uid": "u", "resourceVersion": "7", "creationTimestamp": "t", "generation": 2,
                "ownerReferences": [["kind": "DataVolume"]], "labels": ["a": "b"], "annotations": ["x": "y"],
            ],
            "spec": ["volumeName": "pv-1"], "status": ["phase": "Bound"],
        ]
        let cleaned = RestoreSimulation.cleaned(item)
        #expect(cleaned.description == #"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"p","namespace":"demo","labels":{"a":"b"},"annotations":{"x":"y"}},"spec":{"volumeName":"pv-1"}}"#)
        #expect(RestoreSimulation.labelValue("short") == "short")
        let long = String(repeating: "x", count: 70)
        #expect(RestoreSimulation.labelValue(long).count == 63)
        #expect(RestoreSimulation.labelValue(long) != RestoreSimulation.labelValue(long + "y"))
    }

    @Test func diffsNameEveryChangedPath() {
        let old: JSONValue = ["metadata": ["labels": ["a": "1", "gone": "x"]], "spec": ["list": [1, 2], "same": true]]
        let new: JSONValue = ["metadata": ["labels": ["a": "2", "new": "y"]], "spec": ["list": [1, 3], "same": true]]
        #expect(JSONDiff.changes(from: old, to: new).map(\.description) == [
            #"~ metadata.labels.a: "1" → "2""#, #"- metadata.labels.gone: "x""#, #"+ metadata.labels.new: "y""#, "~ spec.list[1]: 2 → 3",
        ])
        #expect(JSONDiff.changes(from: old, to: old).isEmpty)
        #expect(JSONDiff.changes(from: ["l": [1]], to: ["l": [1, 2]]).map(\.description) == ["~ l: [1] → [1,2]"])
    }

    @Test func sortingKeysAndPrettyPrinting() {
        let value: JSONValue = ["b": ["d": 1, "c": [["z": 1, "y": 2]]], "a": "x"]
        #expect(value.sortingKeys().description == #"{"a":"x","b":{"c":[{"y":2,"z":1}],"d":1}}"#)
        let pretty: JSONValue = ["a": [1, 2], "b": [:]]
        #expect(pretty.prettyPrinted() == "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}")
    }
}
