/// What a path leads to. `null` is kept apart from absence for callers that care; the typed accessors below treat
/// both as "not set", as Go's typed decoding does for pointer, map and slice fields.
public enum JSONLookup: Sendable, Equatable {
    case absent
    case null
    case present(JSONValue)

    /// The value, or `nil` when absent or null.
    public var value: JSONValue? {
        if case .present(let value) = self { value } else { nil }
    }
}

// MARK: - Reading

extension JSONValue {
    /// Follows `path`. A missing key, an index past the end or a `null` on the way gives `.absent`; a step through a
    /// value of the wrong type (a key into a string, an index into an object) throws.
    public func lookup(_ path: JSONPath) throws(JSONPathError) -> JSONLookup {
        var current = self
        for (position, component) in path.components.enumerated() {
            switch (component, current) {
            case (_, .null):
                return .absent
            case (.key(let key), .object(let object)):
                guard let next = object[key] else { return .absent }
                current = next
            case (.index(let index), .array(let elements)):
                guard index >= 0, index < elements.count else { return .absent }
                current = elements[index]
            case (.key, _):
                throw JSONPathError(path: path.prefix(position), problem: .typeMismatch(expected: .object, found: current.kind))
            case (.index, _):
                throw JSONPathError(path: path.prefix(position), problem: .typeMismatch(expected: .array, found: current.kind))
            }
        }
        if case .null = current { return .null }
        return .present(current)
    }

    /// The value at `path`, `nil` when absent or null.
    public func value(at path: JSONPath) throws(JSONPathError) -> JSONValue? {
        try lookup(path).value
    }

    /// `true` when `path` holds a value other than `null`.
    public func contains(_ path: JSONPath) throws(JSONPathError) -> Bool {
        try lookup(path).value != nil
    }

    public func string(at path: JSONPath) throws(JSONPathError) -> String? {
        try typed(at: path, expected: .string) { $0.stringValue }
    }

    public func bool(at path: JSONPath) throws(JSONPathError) -> Bool? {
        try typed(at: path, expected: .boolean) { $0.boolValue }
    }

    public func number(at path: JSONPath) throws(JSONPathError) -> JSONNumber? {
        try typed(at: path, expected: .number) { $0.numberValue }
    }

    /// The object at `path`; `{}` is returned (present), `null` and absence give `nil`.
    public func object(at path: JSONPath) throws(JSONPathError) -> JSONObject? {
        try typed(at: path, expected: .object) { $0.objectValue }
    }

    public func array(at path: JSONPath) throws(JSONPathError) -> [JSONValue]? {
        try typed(at: path, expected: .array) { $0.arrayValue }
    }

    private func typed<T>(
        at path: JSONPath, expected: Kind, _ extract: (JSONValue) -> T?
    ) throws(JSONPathError) -> T? {
        guard let value = try lookup(path).value else { return nil }
        guard let typed = extract(value) else {
            throw JSONPathError(path: path, problem: .typeMismatch(expected: expected, found: value.kind))
        }
        return typed
    }
}

// MARK: - Editing

extension JSONValue {
    /// Stores `newValue` at `path`, creating objects for missing (or `null`) keys on the way, e.g. `metadata.labels`
    /// when the first label is added. Throws when a step meets a value of another type or an index past the end.
    public mutating func setValue(_ newValue: JSONValue, at path: JSONPath) throws(JSONPathError) {
        guard let last = path.components.last else {
            self = newValue
            return
        }
        let parentPath = path.prefix(path.components.count - 1)
        try modify(parentPath, position: 0, creatingObjects: true) { (parent: inout JSONValue) throws(JSONPathError) in
            try parent.store(newValue, for: last, path: parentPath)
        }
    }

    /// Removes the member or element at `path` and returns it; `nil` (and no change) when there is nothing to remove
    /// or the path runs through a value of another type.
    @discardableResult
    public mutating func removeValue(at path: JSONPath) -> JSONValue? {
        guard let last = path.components.last else { return nil }
        let parentPath = path.prefix(path.components.count - 1)
        var removed: JSONValue? = nil
        _ = try? modify(parentPath, position: 0, creatingObjects: false) { (parent: inout JSONValue) throws(JSONPathError) in
            removed = parent.remove(last)
        }
        return removed
    }

    /// Runs `body` on every element of the array at `path`, in place, passing each element's path. Nothing happens
    /// when the path is absent or null; a non-array value there throws.
    public mutating func modifyElements(
        at path: JSONPath, _ body: (inout JSONValue, JSONPath) throws(JSONPathError) -> Void
    ) throws(JSONPathError) {
        try modify(path, position: 0, creatingObjects: false) { (value: inout JSONValue) throws(JSONPathError) in
            guard case .array(var elements) = value else {
                if case .null = value { return }
                throw JSONPathError(path: path, problem: .typeMismatch(expected: .array, found: value.kind))
            }
            value = .null  // leaves `elements` uniquely referenced, so the edits below do not copy the array
            defer { value = .array(elements) }
            for index in elements.indices {
                try body(&elements[index], path.appending(.index(index)))
            }
        }
    }

    /// Navigates to `path` and runs `body` on the value there, in place. Without `creatingObjects` a missing or null
    /// step ends the walk silently (body not called).
    private mutating func modify(
        _ path: JSONPath, position: Int, creatingObjects: Bool, _ body: (inout JSONValue) throws(JSONPathError) -> Void
    ) throws(JSONPathError) {
        guard position < path.components.count else {
            try body(&self)
            return
        }
        switch path.components[position] {
        case .key(let key):
            if case .null = self {
                guard creatingObjects else { return }
                self = .object(JSONObject())
            }
            guard case .object(var object) = self else {
                throw JSONPathError(path: path.prefix(position), problem: .typeMismatch(expected: .object, found: kind))
            }
            self = .null  // keep `object` uniquely referenced while it is edited
            defer { self = .object(object) }
            if object[key] == nil {
                guard creatingObjects else { return }
                object[key] = .object(JSONObject())
            }
            try object.modifyValue(forKey: key) { (child: inout JSONValue) throws(JSONPathError) in
                try child.modify(path, position: position + 1, creatingObjects: creatingObjects, body)
            }
        case .index(let index):
            if case .null = self, !creatingObjects { return }
            guard case .array(var elements) = self else {
                throw JSONPathError(path: path.prefix(position), problem: .typeMismatch(expected: .array, found: kind))
            }
            guard index >= 0, index < elements.count else {
                if !creatingObjects { return }
                throw JSONPathError(
                    path: path.prefix(position), problem: .indexOutOfRange(index: index, count: elements.count))
            }
            self = .null
            defer { self = .array(elements) }
            try elements[index].modify(path, position: position + 1, creatingObjects: creatingObjects, body)
        }
    }

    /// Stores `value` under one key or index of this container (`self` is the value at `path`).
    private mutating func store(_ value: JSONValue, for component: JSONPath.Component, path: JSONPath) throws(JSONPathError) {
        switch component {
        case .key(let key):
            if case .null = self { self = .object(JSONObject()) }
            guard case .object(var object) = self else {
                throw JSONPathError(path: path, problem: .typeMismatch(expected: .object, found: kind))
            }
            self = .null
            object[key] = value
            self = .object(object)
        case .index(let index):
            guard case .array(var elements) = self else {
                throw JSONPathError(path: path, problem: .typeMismatch(expected: .array, found: kind))
            }
            guard index >= 0, index < elements.count else {
                throw JSONPathError(path: path, problem: .indexOutOfRange(index: index, count: elements.count))
            }
            self = .null
            elements[index] = value
            self = .array(elements)
        }
    }

    private mutating func remove(_ component: JSONPath.Component) -> JSONValue? {
        switch (component, self) {
        case (.key(let key), .object(var object)):
            guard object[key] != nil else { return nil }
            self = .null
            let removed = object.removeValue(forKey: key)
            self = .object(object)
            return removed
        case (.index(let index), .array(var elements)):
            guard index >= 0, index < elements.count else { return nil }
            self = .null
            let removed = elements.remove(at: index)
            self = .array(elements)
            return removed
        default:
            return nil
        }
    }
}
