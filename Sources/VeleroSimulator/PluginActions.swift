import FakeKubeAPI
import LosslessJSON
import PluginHost
import VeleroPluginKit

/// One item action of the plugin with the selector its AppliesTo returned.
public struct RegisteredAction: Sendable {
    public var name: String
    public var kind: PluginKind
    public var selector: ResourceSelector
    let labelSelector: LabelSelector

    /// Whether Velero would run this action for an object (the AppliesTo ResourceSelector, as Velero evaluates it).
    func applies(to resource: APIResource, namespace: String, labels: [String: String]) -> Bool {
        guard ResourceFilter(included: selector.includedResources, excluded: selector.excludedResources).includes(resource) else {
            return false
        }
        let namespaces = NamespaceFilter(included: selector.includedNamespaces, excluded: selector.excludedNamespaces)
        if resource.namespaced {
            guard namespaces.includes(namespace) else { return false }
        } else if !namespaces.includesAll {
            return false
        }
        return labelSelector.matches(labels)
    }
}

public struct SimulationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The plugin's item actions, in the order Velero runs them: per kind as the plugin lists them — Velero keeps the
/// registry's order, and the Go framework lists each kind's names alphabetically, v1 before v2.
public struct PluginActions: Sendable {
    public var backup: [RegisteredAction] = []
    public var restore: [RegisteredAction] = []
    public var itemBlock: [RegisteredAction] = []

    public static func discover(_ host: PluginHost) async throws -> PluginActions {
        var actions = PluginActions()
        let listed = try await host.listPlugins()
        for kind in [PluginKind.backupItemAction, .backupItemActionV2, .restoreItemAction, .restoreItemActionV2, .itemBlockAction] {
            for plugin in listed.filter({ $0.kind == kind.rawValue }).sorted(by: { $0.name < $1.name }) {
                let selector: ResourceSelector
                do {
                    selector = try await host.appliesTo(kind: kind, name: plugin.name) ?? ResourceSelector()
                } catch {
                    // Velero fails the whole backup or restore when AppliesTo fails.
                    throw SimulationError("AppliesTo of \(plugin.name) failed: \(error)")
                }
                let labelSelector: LabelSelector
                do {
                    labelSelector = try LabelSelector(selector.selector)
                } catch {
                    throw SimulationError("\(plugin.name) returned an invalid label selector \"\(selector.selector)\": \(error)")
                }
                let action = RegisteredAction(name: plugin.name, kind: kind, selector: selector, labelSelector: labelSelector)
                switch kind {
                case .backupItemAction, .backupItemActionV2: actions.backup.append(action)
                case .restoreItemAction, .restoreItemActionV2: actions.restore.append(action)
                case .itemBlockAction: actions.itemBlock.append(action)
                }
            }
        }
        return actions
    }
}

extension JSONValue {
    /// `metadata.labels` as strings (non-string values are ignored, as label selectors would).
    var labels: [String: String] {
        var labels: [String: String] = [:]
        for member in (try? object(at: ["metadata", "labels"]))?.members ?? [] {
            if let text = member.value.stringValue { labels[member.key] = text }
        }
        return labels
    }
}
