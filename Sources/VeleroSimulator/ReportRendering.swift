import LosslessJSON
import VeleroPluginKit

extension ItemOutcome {
    var label: String {
        switch self {
        case .backedUp: "backed up"
        case .restored: "restored"
        case .alreadyDone: "already handled"
        case .notFound: "not found"
        case .excluded(let reason): "excluded: \(reason)"
        case .skipped(let action): "skipped by \(action)"
        case .failed(let message): "FAILED: \(message)"
        }
    }

    var json: JSONValue {
        switch self {
        case .backedUp: ["status": "backedUp"]
        case .restored: ["status": "restored"]
        case .alreadyDone: ["status": "alreadyHandled"]
        case .notFound: ["status": "notFound"]
        case .excluded(let reason): ["status": "excluded", "reason": .string(reason)]
        case .skipped(let action): ["status": "skipped", "by": .string(action)]
        case .failed(let message): ["status": "failed", "error": .string(message)]
        }
    }
}

extension ObjectKey {
    var json: JSONObject {
        var object: JSONObject = [
            "group": .string(resource.group), "resource": .string(resource.plural), "kind": .string(resource.kind),
            "namespace": .string(namespace), "name": .string(name),
        ]
        if resource.guessed { object["guessed"] = true }
        return object
    }
}

extension ItemReference {
    var text: String {
        (key?.description ?? identifier.description)
    }

    var json: JSONValue {
        var object = key?.json ?? ["group": .string(identifier.group), "resource": .string(identifier.resource),
                                   "namespace": .string(identifier.namespace), "name": .string(identifier.name)]
        object["action"] = .string(action)
        object["outcome"] = outcome.json
        return .object(object)
    }
}

extension ItemRecord {
    var json: JSONValue {
        var object = key.json
        if let block { object["itemBlock"] = .number(JSONNumber(block)) }
        if let targetNamespace { object["targetNamespace"] = .string(targetNamespace) }
        object["outcome"] = outcome.json
        object["actions"] = .array(actions.map(JSONValue.string))
        object["changes"] = .array(changes.map(\.json))
        if !veleroChanges.isEmpty { object["veleroChanges"] = .array(veleroChanges.map(\.json)) }
        object["additionalItems"] = .array(references.map(\.json))
        if !pluginLog.isEmpty { object["pluginLog"] = .array(pluginLog.map(JSONValue.string)) }
        return .object(object)
    }
}

/// Text and JSON renderings of the reports. Text is for people (a tree per ItemBlock, every change the plugin
/// made); JSON carries the same facts for scripts.
public enum ReportRendering {
    // MARK: Backup

    public static func text(_ report: BackupReport) -> String {
        var lines: [String] = []
        let name = (try? report.backup.string(at: ["metadata", "name"])) ?? "backup"
        let backedUp = report.written.count
        lines.append("Backup \(name): \(backedUp) items in \(report.blocks.count) ItemBlocks, \(report.apiRequests) API requests by the plugin")
        for block in report.blocks {
            lines.append("")
            let related = block.members.count - 1
            var header = "ItemBlock \(block.number): \(block.members.first.map(\.description) ?? "")"
            if related > 0 { header += " + \(related) related (\(Set(block.related.map(\.action)).sorted().joined(separator: ", ")))" }
            lines.append(header)
            for root in block.roots {
                render(root, report: report, prefix: "  ", childPrefix: "  ", into: &lines)
            }
        }
        if !report.finalized.isEmpty {
            lines.append("")
            lines.append("Finalize (after the data mover's asynchronous operations): the items they return")
            for key in report.finalized {
                render(key, report: report, prefix: "  ", childPrefix: "  ", into: &lines)
            }
        }
        lines.append("")
        appendProblems(warnings: report.warnings, errors: report.errors, into: &lines)
        lines.append("Phase: \(report.phase)" + (report.errors.isEmpty ? "" : " (\(report.errors.count) error\(report.errors.count == 1 ? "" : "s"); Velero would mark the backup PartiallyFailed)"))
        return lines.joined(separator: "\n") + "\n"
    }

    private static func render(_ key: ObjectKey, report: BackupReport, prefix: String, childPrefix: String, into lines: inout [String]) {
        guard let record = report.records[key] else { return }
        var line = prefix + key.description
        if key.resource.guessed { line += "  (kind unknown to the preview: resource \(key.resource.groupResource) guessed)" }
        if !record.actions.isEmpty { line += "  [" + record.actions.joined(separator: ", ") + "]" }
        if record.outcome != .backedUp { line += "  (\(record.outcome.label))" }
        lines.append(line)
        let hasChildren = !record.references.isEmpty
        for change in record.changes {
            lines.append(childPrefix + (hasChildren ? "│   " : "    ") + change.description)
        }
        for (index, reference) in record.references.enumerated() {
            let last = index == record.references.count - 1
            let branch = childPrefix + (last ? "└── " : "├── ")
            let nextPrefix = childPrefix + (last ? "    " : "│   ")
            if reference.outcome == .backedUp, let child = reference.key {
                render(child, report: report, prefix: branch, childPrefix: nextPrefix, into: &lines)
            } else {
                let outcome = reference.outcome == .alreadyDone ? "already in the backup" : reference.outcome.label
                lines.append(branch + reference.text + "  (" + outcome + ")")
            }
        }
    }

    public static func json(_ report: BackupReport) -> JSONValue {
        var items: [JSONValue] = report.written.compactMap { report.records[$0]?.json }
        let notWritten = report.records.values.filter { !report.written.contains($0.key) }.sorted { $0.key < $1.key }
        items += notWritten.map(\.json)
        let blocks: [JSONValue] = report.blocks.map { block in
            ["number": .number(JSONNumber(block.number)), "members": .array(block.members.map { .object($0.json) }),
             "related": .array(block.related.map(\.json))]
        }
        return [
            "kind": "BackupPreview", "backup": report.backup, "phase": .string(report.phase),
            "apiRequests": .number(JSONNumber(report.apiRequests)), "itemBlocks": .array(blocks), "items": .array(items),
            "finalized": .array(report.finalized.map { .object($0.json) }),
            "warnings": .array(report.warnings.map(JSONValue.string)), "errors": .array(report.errors.map(JSONValue.string)),
        ]
    }

    // MARK: Restore

    public static func text(_ report: RestoreReport) -> String {
        var lines: [String] = []
        let name = (try? report.restore.string(at: ["metadata", "name"])) ?? "restore"
        var header = "Restore \(name) from backup \(report.backupName)"
        if let mapping = try? report.restore.object(at: ["spec", "namespaceMapping"]), !mapping.isEmpty {
            header += ", namespace mapping " + mapping.members.map { "\($0.key) → \($0.value.stringValue ?? "")" }.joined(separator: ", ")
        }
        if !report.selector.isEmpty { header += ", label selector \(report.selector)" }
        lines.append(header)
        if let labels = try? report.restore.object(at: ["metadata", "labels"]), !labels.isEmpty {
            lines.append("Restore labels: " + labels.members.map { "\($0.key)=\($0.value.stringValue ?? "")" }.joined(separator: ", "))
        }
        lines.append("")
        for key in report.order {
            guard let record = report.records[key] else { continue }
            let status: String
            switch record.outcome {
            case .restored: status = "restored"
            case .skipped: status = "skipped "
            case .failed: status = "FAILED  "
            default: status = "        "
            }
            var line = "\(status)  \(key.description)"
            if let target = record.targetNamespace, target != (key.resource.namespaced ? key.namespace : key.name) { line += " → \(target)" }
            if !record.actions.isEmpty { line += "  [" + record.actions.joined(separator: ", ") + "]" }
            lines.append(line)
            if case .skipped(let action) = record.outcome { lines.append("            skipped by \(action)") }
            for message in record.pluginLog { lines.append("            plugin: " + message) }
            if case .failed(let message) = record.outcome { lines.append("            " + message) }
            for change in record.changes { lines.append("            " + change.description) }
            for reference in record.references {
                let outcome = reference.outcome == .alreadyDone ? "already restored" : reference.outcome.label
                lines.append("            additional item \(reference.text) (\(outcome))")
            }
        }
        let restored = report.records.values.filter { $0.outcome == .restored }.count
        let skipped = report.records.values.filter { if case .skipped = $0.outcome { true } else { false } }.count
        lines.append("")
        lines.append(
            "Velero itself, on every restored item: status and \(RestoreSimulation.strippedMetadata.joined(separator: ", ")) removed before the actions; "
                + "namespace mapped and labels velero.io/backup-name, velero.io/restore-name added after them.")
        if !report.created.isEmpty {
            lines.append("")
            lines.append("Created by Velero's own restore actions (their asynchronous operations finish the restore):")
            for created in report.created { lines.append("  " + created) }
        }
        if !report.notes.isEmpty {
            lines.append("")
            lines.append("Notes (what Velero itself does here, which the plugin cannot change):")
            for note in report.notes { lines.append("  " + note) }
        }
        lines.append("")
        appendProblems(warnings: report.warnings, errors: report.errors, into: &lines)
        lines.append("\(restored) restored, \(skipped) skipped, \(report.errors.count) failed. Phase: \(report.phase)")
        return lines.joined(separator: "\n") + "\n"
    }

    public static func json(_ report: RestoreReport) -> JSONValue {
        [
            "kind": "RestorePreview", "restore": report.restore, "phase": .string(report.phase),
            "items": .array(report.order.compactMap { report.records[$0]?.json }),
            "notes": .array(report.notes.map(JSONValue.string)),
            "warnings": .array(report.warnings.map(JSONValue.string)), "errors": .array(report.errors.map(JSONValue.string)),
        ]
    }

    private static func appendProblems(warnings: [String], errors: [String], into lines: inout [String]) {
        if !warnings.isEmpty {
            lines.append("Warnings (\(warnings.count)):")
            lines.append(contentsOf: warnings.map { "  " + $0 })
        }
        if !errors.isEmpty {
            lines.append("Errors (\(errors.count)):")
            lines.append(contentsOf: errors.map { "  " + $0 })
        }
    }
}
