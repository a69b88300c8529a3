import Testing
import VeleroPluginKit
@testable import KubeVirtVeleroPlugin

/// `LabelSelectorMatch` evaluates a metav1.LabelSelector as apimachinery's `LabelSelectorAsSelector` does.
@Suite("Label selector match")
struct LabelSelectorMatchTests {
    static let labels = json(#"{"app":"web","tier":"front"}"#)

    @Test("matchLabels and every operator of matchExpressions", arguments: [
        (#"{}"#, true),
        (#"{"matchLabels":{"app":"web"}}"#, true),
        (#"{"matchLabels":{"app":"web","tier":"back"}}"#, false),
        (#"{"matchExpressions":[{"key":"tier","operator":"In","values":["front","back"]}]}"#, true),
        (#"{"matchExpressions":[{"key":"zone","operator":"In","values":["a"]}]}"#, false),
        (#"{"matchExpressions":[{"key":"tier","operator":"NotIn","values":["back"]}]}"#, true),
        (#"{"matchExpressions":[{"key":"zone","operator":"NotIn","values":["a"]}]}"#, true),
        (#"{"matchExpressions":[{"key":"app","operator":"Exists"}]}"#, true),
        (#"{"matchExpressions":[{"key":"app","operator":"DoesNotExist"}]}"#, false),
        (#"{"matchExpressions":[{"key":"app","operator":"Like"}]}"#, false),
        (#"{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"zone","operator":"Exists"}]}"#, false),
    ])
    func evaluate(selector: String, expected: Bool) {
        #expect(LabelSelectorMatch.matches(json(selector), labels: Self.labels) == expected)
    }

    @Test("an object without labels matches only selectors that ask for none")
    func noLabels() {
        #expect(LabelSelectorMatch.matches(json("{}"), labels: nil))
        #expect(LabelSelectorMatch.matches(json(#"{"matchExpressions":[{"key":"app","operator":"DoesNotExist"}]}"#), labels: nil))
        #expect(!LabelSelectorMatch.matches(json(#"{"matchLabels":{"app":"web"}}"#), labels: nil))
    }
}
