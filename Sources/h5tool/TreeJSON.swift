import HDF5
import KerasFormat

/// Renders an ``ObjectNode`` tree as JSON, with every value in full.
enum TreeJSON {
    static func json(_ node: ObjectNode) -> JSONValue {
        var object = JSONObject([("name", .string(node.name)), ("path", .string(node.path))])
        switch node.kind {
        case .group:
            object["kind"] = .string("group")
        case .repeatedGroup:
            object["kind"] = .string("group")
            object["repeated"] = .bool(true)
        case .dataset(let details):
            object["kind"] = .string("dataset")
            object["dtype"] = .string(details.elementType.description)
            object["shape"] = .array(details.shape.map(JSONValue.int))
            object["bytes"] = details.byteSize.map(JSONValue.int) ?? .null
            object["layout"] = .string(details.storage.layout.rawValue)
            object["stored_bytes"] = .int(details.storage.storedBytes)
            if let offset = details.storage.fileOffset { object["offset"] = .int(offset) }
            if let chunks = details.storage.chunks { object["chunks"] = .array(chunks.map(JSONValue.int)) }
            object["filters"] = .array(details.storage.filters.map(JSONValue.string))
            if let values = details.values {
                object["values"] = .object(JSONObject([
                    ("first", .array(values.first.map(JSONValue.string))),
                    ("count", .int(values.count)),
                    ("min", values.minimum.map(JSONValue.double) ?? .null),
                    ("max", values.maximum.map(JSONValue.double) ?? .null),
                    ("mean", values.mean.map(JSONValue.double) ?? .null),
                    ("nan_count", .int(values.nanCount)),
                ]))
            }
        case .link(let kind):
            object["kind"] = .string("link")
            switch kind {
            case .softLink(let target): object["target"] = .string(target)
            case .externalLink(let file, let path):
                object["target_file"] = .string(file)
                object["target"] = .string(path)
            default: break
            }
        }
        if !node.attributes.isEmpty { object["attributes"] = .array(node.attributes.map(attributeJSON)) }
        if case .group = node.kind { object["children"] = .array(node.children.map(json)) }
        return .object(object)
    }

    private static func attributeJSON(_ attribute: Attribute) -> JSONValue {
        let values: [JSONValue]
        switch attribute.value {
        case .strings(let s): values = s.map(JSONValue.string)
        case .integers(let v): values = v.map { .int(Int($0)) }
        case .unsignedIntegers(let v): values = v.map { $0 <= UInt64(Int.max) ? .int(Int($0)) : .double(Double($0)) }
        case .floats(let v): values = v.map(JSONValue.double)
        }
        return .object(JSONObject([
            ("name", .string(attribute.name)),
            ("dtype", .string(attribute.elementType.description)),
            ("shape", .array(attribute.shape.map(JSONValue.int))),
            ("value", attribute.shape.isEmpty && values.count == 1 ? values[0] : .array(values)),
        ]))
    }
}
