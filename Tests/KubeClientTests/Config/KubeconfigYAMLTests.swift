import LosslessJSON
import Testing
@testable import KubeClient

/// The kubeconfig YAML reader: the shapes kubectl, oc, kind and the tests write, and clear errors for what it does
/// not read.
@Suite struct KubeconfigYAMLTests {
    func parse(_ text: String) throws -> String {
        try KubeconfigYAML.parse(text).description
    }

    @Test func kubectlConfigViewOutput() throws {
        let text = """
            ---
            apiVersion: v1
            clusters:
            - cluster:
                certificate-authority-data: LS0tLS1CRUdJTg==
                server: https://api.ocp.example.com:6443   # the API
              name: api-ocp-example-com:6443
            contexts:
            - context:
                cluster: api-ocp-example-com:6443
                namespace: openshift-adp
                user: kube:admin/api-ocp-example-com:6443
              name: openshift-adp/api-ocp-example-com:6443/kube:admin
            current-context: openshift-adp/api-ocp-example-com:6443/kube:admin
            kind: Config
            preferences: {}
            users:
            - name: kube:admin/api-ocp-example-com:6443
              user:
                token: sha256~abc#not-a-comment
            """
        #expect(try parse(text) == #"{"apiVersion":"v1","clusters":[{"cluster":{"certificate-authority-data":"LS0tLS1CRUdJTg==","server":"https://api.ocp.example.com:6443"},"name":"api-ocp-example-com:6443"}],"contexts":[{"context":{"cluster":"api-ocp-example-com:6443","namespace":"openshift-adp","user":"kube:admin/api-ocp-example-com:6443"},"name":"openshift-adp/api-ocp-example-com:6443/kube:admin"}],"current-context":"openshift-adp/api-ocp-example-com:6443/kube:admin","kind":"Config","preferences":{},"users":[{"name":"kube:admin/api-ocp-example-com:6443","user":{"token":"sha256~abc#not-a-comment"}}]}"#)
    }

    @Test func flowStyleQuotesAndScalars() throws {
        let text = """
            contexts: [{name: c, context: {cluster: "k", user: 'it''s', namespace: ns}}]
            clusters: [{name: k, cluster: {server: "https://[fd00::1]:6443", insecure-skip-tls-verify: true}}]
            numbers: [1, -2, 3.5, 1e3]
            nothing: ~
            empty:
            escaped: "tab\\there \\u00e9 \\"q\\""
            single: 'a # b'
            """
        #expect(try parse(text) == #"{"contexts":[{"name":"c","context":{"cluster":"k","user":"it's","namespace":"ns"}}],"clusters":[{"name":"k","cluster":{"server":"https://[fd00::1]:6443","insecure-skip-tls-verify":true}}],"numbers":[1,-2,3.5,1e3],"nothing":null,"empty":null,"escaped":"tab\there é \"q\"","single":"a # b"}"#)
    }

    @Test func nestedSequencesAndBlockScalars() throws {
        let text = """
            users:
              - name: u
                user:
                  client-certificate-data: |
                    line one
                    line two
                  note: >-
                    folded
                    text
              -   name: second
            lists:
            - - a
              - b
            - c
            """
        #expect(try parse(text) == #"{"users":[{"name":"u","user":{"client-certificate-data":"line one\nline two\n","note":"folded text"}},{"name":"second"}],"lists":[["a","b"],"c"]}"#)
    }

    @Test func emptyDocumentsAndOnlyTheFirstDocument() throws {
        #expect(try parse("") == "null")
        #expect(try parse("# only a comment\n") == "null")
        #expect(try parse("a: 1\n---\nb: 2\n") == #"{"a":1}"#)
    }

    @Test(arguments: [
        ("a: &anchor x\n", "line 1: anchors, aliases and tags are not supported"),
        ("a: *ref\n", "line 1: anchors, aliases and tags are not supported"),
        ("a:\n\tb: 1\n", "line 2: tabs are not allowed"),
        ("a: \"unterminated\n", "line 1: unterminated quoted string"),
        ("a: [1, 2\n", "line 1: unterminated flow sequence"),
        ("a: 1\na: 2\n", "line 2: duplicate key a"),
        ("a:\n  b: 1\n c: 2\n", "line 3: unexpected text at indentation 1"),
        ("a: {b: 1} x\n", "line 1: unexpected text after a flow collection"),
        ("just text\nmore: x\n", "line 2: unexpected text"),
    ])
    func errorsNameTheLine(text: String, expected: String) {
        #expect {
            _ = try KubeconfigYAML.parse(text)
        } throws: { error in
            "\(error)".hasPrefix(expected)
        }
    }
}
