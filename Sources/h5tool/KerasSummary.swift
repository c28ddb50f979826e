import HDF5
import KerasFormat

/// What `dump` says about a recognised Keras file before the raw tree.
struct KerasSummary {
    let file: KerasFile
    let inventory: WeightInventory
    let config: ModelConfig?

    init(file: KerasFile) throws {
        self.file = file
        config = try file.modelConfig()
        inventory = try file.inventory()
    }

    var storedValueCount: Int { inventory.parameterCount + inventory.optimizerValueCount }

    func text() -> [String] {
        var lines: [String] = []
        var format = "format: \(file.format)"
        if let version = file.kerasVersion { format += ", written by Keras \(version)" }
        if let backend = file.backend { format += " (backend \(backend))" }
        lines.append(format)
        if let archive = file.archive {
            lines.append("archive members:")
            for member in archive.members {
                let size = "\(grouped(member.uncompressedSize)) bytes" + (member.isCompressed ? ", compressed to \(grouped(member.compressedSize))" : "")
                lines.append("  \(member.path)  (\(size))")
            }
        }
        if let config {
            var model = "model: \(config.modelClass) \(quoted(config.name))"
            if let shape = config.batchInputShape { model += ", input \(pythonShape(shape))" }
            lines.append(model + ", \(config.layers.count) layers")
        }
        lines.append("")
        lines.append(inventory.layersInModelOrder
                     ? "layers, in model order:"
                     : "layers, in name order (a .weights.h5 does not record the model's layer order):")
        let nameWidth = max(20, inventory.layers.map(\.name.count).max() ?? 0)
        let classWidth = max(16, inventory.layers.map { ($0.className ?? "?").count }.max() ?? 0)
        for (index, layer) in inventory.layers.enumerated() {
            let number = String(index + 1).leftPadded(to: 3)
            lines.append("\(number)  \(layer.name.padded(to: nameWidth))  \((layer.className ?? "?").padded(to: classWidth))  "
                         + "\(grouped(layer.parameterCount).leftPadded(to: 11)) parameters")
            lines += weightLines(layer.weights, indent: 7)
        }
        let arrays = inventory.layers.reduce(0) { $0 + $1.weights.count }
        lines.append("parameters: \(grouped(inventory.parameterCount)) in \(arrays) weight arrays")
        if inventory.optimizerWeights.isEmpty {
            lines.append("optimizer state: none stored")
        } else {
            let name = inventory.optimizerName.map { "\($0), " } ?? ""
            lines.append("optimizer state: \(name)\(inventory.optimizerWeights.count) variables holding "
                         + "\(grouped(inventory.optimizerValueCount)) values")
            lines += weightLines(inventory.optimizerWeights, indent: 7)
            lines.append("all stored values: \(grouped(storedValueCount)) = \(grouped(inventory.parameterCount)) parameters"
                         + " + \(grouped(inventory.optimizerValueCount)) optimizer values")
        }
        return lines
    }

    private func weightLines(_ weights: [StoredWeight], indent: Int) -> [String] {
        let width = max(24, weights.map(\.name.count).max() ?? 0)
        let shapeWidth = weights.map { pythonShape($0.shape).count }.max() ?? 0
        return weights.map { weight in
            String(repeating: " ", count: indent) + weight.name.padded(to: width) + "  "
                + pythonShape(weight.shape).padded(to: shapeWidth) + "  \(weight.elementType)"
        }
    }

    func json() -> JSONValue {
        var object = JSONObject([
            ("format", .string(file.format.description)),
            ("keras_version", file.kerasVersion.map(JSONValue.string) ?? .null),
            ("backend", file.backend.map(JSONValue.string) ?? .null),
        ])
        if let archive = file.archive {
            object["archive_members"] = .array(archive.members.map { member in
                .object(JSONObject([("path", .string(member.path)), ("uncompressed_bytes", .int(member.uncompressedSize)),
                                    ("compressed_bytes", .int(member.compressedSize))]))
            })
        }
        if let config {
            object["model"] = .object(JSONObject([
                ("class_name", .string(config.modelClass)), ("name", .string(config.name)),
                ("batch_input_shape", config.batchInputShape.map { .array($0.map { $0.map(JSONValue.int) ?? .null }) } ?? .null),
            ]))
        }
        object["layers_in_model_order"] = .bool(inventory.layersInModelOrder)
        object["layers"] = .array(inventory.layers.map { layer in
            .object(JSONObject([
                ("name", .string(layer.name)), ("class_name", layer.className.map(JSONValue.string) ?? .null),
                ("parameters", .int(layer.parameterCount)), ("weights", .array(layer.weights.map(weightJSON))),
            ]))
        })
        object["parameters"] = .int(inventory.parameterCount)
        object["optimizer"] = .object(JSONObject([
            ("name", inventory.optimizerName.map(JSONValue.string) ?? .null),
            ("values", .int(inventory.optimizerValueCount)),
            ("variables", .array(inventory.optimizerWeights.map(weightJSON))),
        ]))
        object["stored_values"] = .int(storedValueCount)
        return .object(object)
    }

    private func weightJSON(_ weight: StoredWeight) -> JSONValue {
        .object(JSONObject([
            ("name", .string(weight.name)), ("path", .string(weight.path)),
            ("shape", .array(weight.shape.map(JSONValue.int))), ("dtype", .string(weight.elementType.description)),
        ]))
    }
}

extension String {
    func padded(to width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
