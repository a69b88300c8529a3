import Testing
@testable import LosslessJSON

@Suite("JSON paths: typed reads and in-place edits")
struct JSONPathTests {
    let vm: JSONValue = try! JSONValue.parse(#"""
        {"metadata":{"name":"vm1","labels":{"velero.kubevirt.io/pvc-uid":"u1","app":"db"},"annotations":null},
         "spec":{"running":"yes","template":{"spec":{"domain":{"devices":{"interfaces":[
            {"name":"default","macAddress":"02:00:00:00:00:01","masquerade":{}},
            {"name":"nic2","macAddress":"02:00:00:00:00:02"},
            {"name":"nic3"}]}}}}},
         "status":{"created":true,"count":9007199254740993}}
        """#)

    @Test("lookup tells absent, null and present apart")
    func lookupStates() throws {
        #expect(try vm.lookup(["metadata", "namespace"]) == .absent)
        #expect(try vm.lookup(["metadata", "annotations"]) == .null)
        #expect(try vm.lookup(["metadata", "annotations", "x"]) == .absent)
        #expect(try vm.lookup(["metadata", "name"]) == .present("vm1"))
        #expect(try vm.lookup(["spec", "template", "spec", "domain", "devices", "interfaces", 1, "name"]) == .present("nic2"))
        #expect(try vm.lookup(["spec", "template", "spec", "domain", "devices", "interfaces", 7, "name"]) == .absent)
    }

    @Test("typed reads report the path and both types on a mismatch")
    func typeMismatch() throws {
        #expect(throws: JSONPathError(path: ["spec", "running"], problem: .typeMismatch(expected: .boolean, found: .string))) {
            try vm.bool(at: ["spec", "running"])
        }
        #expect(throws: JSONPathError(path: ["spec", "running"], problem: .typeMismatch(expected: .object, found: .string))) {
            try vm.string(at: ["spec", "running", "x"])
        }
        #expect(throws: JSONPathError(path: ["metadata"], problem: .typeMismatch(expected: .array, found: .object))) {
            try vm.string(at: ["metadata", 0])
        }
        let error = JSONPathError(path: ["spec", "running"], problem: .typeMismatch(expected: .boolean, found: .string))
        #expect(error.description == "spec.running is a string, expected a boolean")
        #expect(try vm.bool(at: ["status", "created"]) == true)
        #expect(try vm.number(at: ["status", "count"])?.literal == "9007199254740993")
        #expect(try vm.object(at: ["metadata", "annotations"]) == nil)
        #expect(try vm.object(at: ["spec", "template"]) != nil)
    }

    @Test("paths print the way people write them")
    func descriptions() {
        #expect(JSONPath(["metadata", "labels", "velero.kubevirt.io/pvc-uid"]).description
            == #"metadata.labels["velero.kubevirt.io/pvc-uid"]"#)
        #expect(JSONPath(["spec", "volumes", 2, "dataVolume", "name"]).description == "spec.volumes[2].dataVolume.name")
        #expect(JSONPath.root.description == "(document root)")
    }

    @Test("setting a label creates metadata.labels when needed and keeps other members in order")
    func setCreatesObjects() throws {
        var pvc: JSONValue = try JSONValue.parse(#"{"kind":"PersistentVolumeClaim","metadata":{"name":"p","uid":"u"},"spec":{}}"#)
        try pvc.setValue("u", at: ["metadata", "labels", "velero.kubevirt.io/pvc-uid"])
        #expect(pvc.description == #"{"kind":"PersistentVolumeClaim","metadata":{"name":"p","uid":"u","labels":{"velero.kubevirt.io/pvc-uid":"u"}},"spec":{}}"#)
        try pvc.setValue("v", at: ["metadata", "labels", "velero.kubevirt.io/pvc-uid"])
        #expect(try pvc.string(at: ["metadata", "labels", "velero.kubevirt.io/pvc-uid"]) == "v")

        var withNull = vm
        try withNull.setValue("x", at: ["metadata", "annotations", "a"])
        #expect(try withNull.string(at: ["metadata", "annotations", "a"]) == "x")
    }

    @Test("setting through a value of another type throws and changes nothing")
    func setThroughWrongType() throws {
        var copy = vm
        #expect(throws: JSONPathError(path: ["spec", "running"], problem: .typeMismatch(expected: .object, found: .string))) {
            try copy.setValue("x", at: ["spec", "running", "x"])
        }
        #expect(copy == vm)
        #expect(throws: JSONPathError.self) {
            try copy.setValue("x", at: ["spec", "template", "spec", "domain", "devices", "interfaces", 5, "x"])
        }
        try copy.setValue("nic", at: ["spec", "template", "spec", "domain", "devices", "interfaces", 2, "name"])
        #expect(try copy.string(at: ["spec", "template", "spec", "domain", "devices", "interfaces", 2, "name"]) == "nic")
    }

    @Test("removing returns the old value; absent paths are a no-op")
    func remove() throws {
        var copy = vm
        #expect(copy.removeValue(at: ["metadata", "labels", "app"]) == "db")
        #expect(try copy.object(at: ["metadata", "labels"])?.keys == ["velero.kubevirt.io/pvc-uid"])
        #expect(copy.removeValue(at: ["metadata", "labels", "app"]) == nil)
        #expect(copy.removeValue(at: ["spec", "running", "x"]) == nil)
        #expect(copy.removeValue(at: ["nothing", "here"]) == nil)
        #expect(copy.removeValue(at: ["spec", "template", "spec", "domain", "devices", "interfaces", 0]) != nil)
        #expect(try copy.array(at: ["spec", "template", "spec", "domain", "devices", "interfaces"])?.count == 2)
    }

    @Test("editing every element of an array in place")
    func modifyElements() throws {
        var copy = vm
        let interfaces: JSONPath = ["spec", "template", "spec", "domain", "devices", "interfaces"]
        var seen: [String] = []
        try copy.modifyElements(at: interfaces) { (element: inout JSONValue, path: JSONPath) throws(JSONPathError) in
            seen.append(path.description)
            element.removeValue(at: ["macAddress"])
        }
        #expect(seen.count == 3 && seen[2] == "spec.template.spec.domain.devices.interfaces[2]")
        #expect(copy.description.contains("macAddress") == false)
        #expect(try copy.object(at: interfaces.appending(0, "masquerade")) != nil)
        // Absent arrays are fine; a non-array is an error.
        try copy.modifyElements(at: ["spec", "nothing"]) { (_: inout JSONValue, _: JSONPath) throws(JSONPathError) in }
        #expect(throws: JSONPathError.self) {
            try copy.modifyElements(at: ["metadata"]) { (_: inout JSONValue, _: JSONPath) throws(JSONPathError) in }
        }
    }
}
