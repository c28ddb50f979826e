import CommandLineSupport
import Architectures
import HDF5
import KerasFormat
import NeuralNet

/// What `dump` says about a recognised Keras file before the raw tree.
struct KerasSummary {
    let file: KerasFile
    let inventory: WeightInventory
    let config: ModelConfig?

    /// The preset recognised from the weight shapes when the file has no config of its own.
    let recognised: Architecture?

    init(file: KerasFile) throws {
        self.file = file
        config = try file.modelConfig()
        let stored = try file.inventory()
        recognised = config == nil ? try? Architecture.recognize(stored, file: file.path) : nil
        if let recognised, !stored.layersInModelOrder {
            inventory = stored.ordered(as: KerasNaming.saveableNames(classNames: recognised.signature.map(\.className)))
        } else {
            inventory = stored
        }
    }

    var storedValueCount: Int {
        let (sum, overflow) = inventory.parameterCount.addingReportingOverflow(inventory.optimizerValueCount)
        return overflow ? .max : sum
    }

    func text() -> [String] {
        var lines: [String] = []
        var format = "format: \(file.format)"
        if let version = file.kerasVersion { format += ", written by Keras \(version)" }
        if let backend = file.backend { format += " (backend \(backend))" }
        lines.append(format)
        if let archive = file.archive {
            lines.append("archive members:")
            for member in archive.members {
                let size = "\(describeCount(member.uncompressedSize)) bytes" + (member.isCompressed ? ", compressed to \(describeCount(member.compressedSize))" : "")
                lines.append("  \(member.path)  (\(size))")
            }
        }
        if let config {
            var model = "model: \(config.modelClass) \(quoted(config.name))"
            if config.inputs.count > 1 {
                model += ", inputs " + config.inputs.map { input in
                    "\(input.name) \(input.batchShape.map(pythonShape) ?? "(?)")" + (input.dtype == "float32" ? "" : " \(input.dtype)")
                }.joined(separator: ", ")
            } else if let input = config.inputs.first, let shape = input.batchShape {
                model += ", input \(pythonShape(shape))" + (input.dtype == "float32" ? "" : " \(input.dtype)")
            }
            model += ", \(config.layers.count) layers"
            if config.outputLayers.count > 1 { model += ", outputs " + config.outputLayers.map(\.description).joined(separator: ", ") }
            lines.append(model)
        }
        lines.append("")
        if let recognised {
            lines.append("architecture: \(recognised.rawValue) (\(recognised.displayName)), recognised from the weight shapes")
        }
        if !inventory.layersInModelOrder {
            lines.append("layers, in name order (a .weights.h5 does not record the model's layer order):")
        } else {
            lines.append("layers, in \(recognised.map { $0.displayName + " " } ?? "model ")order:")
        }
        let nameWidth = max(20, inventory.layers.map(\.name.count).max() ?? 0)
        let classWidth = max(16, inventory.layers.map { ($0.className ?? "?").count }.max() ?? 0)
        for (index, layer) in inventory.layers.enumerated() {
            let number = String(index + 1).leftPadded(to: 3)
            let inputs = inboundCalls(of: layer).map { calls in
                "  <- " + calls.map { $0.map(\.description).joined(separator: ", ") }.joined(separator: "; ")
            } ?? ""
            lines.append("\(number)  \(layer.name.padded(to: nameWidth))  \((layer.className ?? "?").padded(to: classWidth))  "
                         + "\(describeCount(layer.parameterCount).leftPadded(to: 11)) parameters" + inputs)
            lines += weightLines(layer.weights, indent: 7)
        }
        let arrays = inventory.layers.reduce(0) { $0 + $1.weights.count }
        lines.append("parameters: \(describeCount(inventory.parameterCount)) in \(arrays) weight arrays")
        if inventory.optimizerWeights.isEmpty {
            lines.append("optimizer state: none stored")
        } else {
            let name = inventory.optimizerName.map { "\($0), " } ?? ""
            lines.append("optimizer state: \(name)\(inventory.optimizerWeights.count) variables holding "
                         + "\(describeCount(inventory.optimizerValueCount)) values")
            lines += weightLines(inventory.optimizerWeights, indent: 7, roles: optimizerRoles())
            lines.append("all stored values: \(describeCount(storedValueCount)) = \(describeCount(inventory.parameterCount)) parameters"
                         + " + \(describeCount(inventory.optimizerValueCount)) optimizer values")
        }
        return lines
    }

    /// Where each call of a functional model's layer takes its inputs from (a shared layer is called more than
    /// once), found by the name the file gives the layer: the config's name in a legacy file, Keras 3's
    /// saveable name (`conv2d_1`) in `.keras` and `.weights.h5`; nil for a Sequential model.
    private func inboundCalls(of layer: StoredLayer) -> [[ModelConfig.TensorReference]]? {
        guard let config, config.isFunctional else { return nil }
        let legacy = inventory.format == .legacyModel || inventory.format == .legacyWeights
        let names = legacy ? config.layers.map(\.name) : config.saveableNames()
        return zip(names, config.layers).first { $0.0 == layer.name }?.1.calls
    }

    private func weightLines(_ weights: [StoredWeight], indent: Int, roles: [String?] = []) -> [String] {
        let width = max(24, weights.map(\.name.count).max() ?? 0)
        let shapeWidth = weights.map { pythonShape($0.shape).count }.max() ?? 0
        let typeWidth = weights.map(\.elementType.description.count).max() ?? 0
        return weights.enumerated().map { index, weight in
            let role = index < roles.count ? roles[index].map { "  " + $0 } ?? "" : ""
            let line = String(repeating: " ", count: indent) + weight.name.padded(to: width) + "  "
                + pythonShape(weight.shape).padded(to: shapeWidth) + "  " + weight.elementType.description.padded(to: typeWidth)
            return (line + role).trimmingTrailingSpaces()
        }
    }

    /// What each positional optimizer variable of a Keras 3 `.weights.h5` holds: iteration, learning rate,
    /// then one slot (SGD momentum) or two interleaved slots (Adam m, v) per trainable weight.
    private func optimizerRoles() -> [String?] {
        let variables = inventory.optimizerWeights
        guard inventory.format == .weightsH5 || inventory.format == .kerasArchive, variables.count >= 2,
              variables[0].shape.isEmpty, variables[1].shape.isEmpty else { return [] }
        let weights = inventory.layers.flatMap { layer in layer.weights.map { "\(layer.name)/\($0.name)" } }
        var roles: [String?] = ["iteration", "learning_rate"]
        let slots = variables.count - 2
        if slots == 2 * weights.count {
            for weight in weights { roles += ["m of \(weight)", "v of \(weight)"] }
        } else if slots == weights.count {
            roles += weights.map { "momentum of \($0)" }
        }
        return roles
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
                ("inputs", .array(config.inputs.map { input in
                    .object(JSONObject([("name", .string(input.name)),
                                        ("batch_shape", input.batchShape.map { .array($0.map { $0.map(JSONValue.int) ?? .null }) } ?? .null),
                                        ("dtype", .string(input.dtype))]))
                })),
            ]))
        }
        object["recognised_architecture"] = recognised.map { .string($0.rawValue) } ?? .null
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

extension String {
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
