import Foundation
import HDF5
import NeuralNet
import SafeWrite

/// Saves a Swift model (and optimizer state) in any Keras form, atomically (see `AtomicFile`): the file
/// appears complete or not at all, and an existing file is only replaced once the new one is fully written.
public enum ModelWriter {
    /// The form a path asks for: `.keras` → archive, `.weights.h5` → Keras 3 weights, `.h5`/`.hdf5` → legacy.
    public static func format(forPath path: String) -> KerasFileFormat? {
        let name = path.lowercased()
        if name.hasSuffix(".keras") { return .kerasArchive }
        if name.hasSuffix(".weights.h5") { return .weightsH5 }
        if name.hasSuffix(".h5") || name.hasSuffix(".hdf5") { return .legacyModel }
        return nil
    }

    /// Writes `model` to `path` in `format` (default: from the file name). `flavour` shapes legacy `.h5` files.
    public static func save(_ model: Model, optimizer: Optimizer?, to path: String, format: KerasFileFormat? = nil,
                            flavour: KerasFlavour = .keras3) throws {
        guard let format = format ?? self.format(forPath: path) else {
            throw KerasFormatError(file: path, .unknownOutputForm)
        }
        var names = Set(model.inputNames)
        if let repeated = model.layers.first(where: { !names.insert($0.name).inserted }) {
            throw KerasFormatError(file: path, object: "layer \(repeated.name)",
                                   .notWritable("shares its name with another layer or input of the model; Keras needs every name once"))
        }
        for layer in model.layers {
            guard let activation = LayerCodecs.activations(of: layer).first(where: { flavour.name(of: $0) == nil }) else { continue }
            throw KerasFormatError(file: path, object: "layer \(layer.name)",
                                   .notWritable("uses the activation \(activation.rawValue), which Keras \(flavour == .keras2 ? 2 : 3) does not have"))
        }
        // Each form is written straight to a new file beside the destination, which replaces it when complete.
        switch format {
        case .legacyModel, .legacyWeights:
            try writeHDF5(to: path) { try writeLegacy(model, optimizer: optimizer, root: $0, flavour: flavour) }
        case .weightsH5:
            try writeHDF5(to: path) { try writeWeights(model, optimizer: optimizer, root: $0) }
        case .kerasArchive:
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
            formatter.locale = Locale(identifier: "en_US_POSIX")
            let metadata = JSONValue.object(JSONObject([("keras_version", .string(KerasFlavour.keras3.versionString)),
                                                        ("date_saved", .string(formatter.string(from: Date())))]))
            try KerasArchiveWriter.write(to: path, metadata: Array(metadata.pythonJSON.utf8),
                                         config: Array(ConfigWriter.archiveConfig(model, optimizer: optimizer).pythonJSON.utf8)) {
                try writeWeights(model, optimizer: optimizer, root: $0)
            }
        }
    }

    /// Writes an HDF5 file at `path` atomically, libhdf5 writing straight into the new file.
    private static func writeHDF5(to path: String, _ fill: (Group) throws -> Void) throws {
        try AtomicFile.write(to: path) { _, reachablePath in
            let file = try File.create(at: reachablePath, name: path)
            try fill(try file.root)
            try file.finishWriting()
        }
    }

    /// The legacy full-model layout: root attributes, `model_weights` and `optimizer_weights`.
    static func writeLegacy(_ model: Model, optimizer: Optimizer?, root: Group, flavour: KerasFlavour) throws {
        try root.setAttribute("backend", string: "tensorflow", encoding: .utf8)
        try root.setAttribute("keras_version", string: flavour.versionString, encoding: .utf8)
        try root.setAttribute("model_config", string: ConfigWriter.legacyModelConfig(model, flavour: flavour).pythonJSON, encoding: .ascii)
        if let optimizer {
            try root.setAttribute("training_config", string: ConfigWriter.legacyTrainingConfig(model, optimizer: optimizer, flavour: flavour).pythonJSON,
                                  encoding: .ascii)
        }
        let weights = try root.createGroup("model_weights")
        try weights.setAttribute("backend", string: "tensorflow", encoding: .ascii)
        try weights.setAttribute("keras_version", string: flavour.versionString, encoding: .ascii)
        // A functional model lists its InputLayers too, with empty groups, as Keras does.
        let inputs = model is Sequential ? [] : model.inputNames
        try SplitAttribute.write(inputs + model.layers.map(\.name), as: "layer_names", to: weights)
        for input in inputs { try SplitAttribute.write([], as: "weight_names", to: try weights.createGroup(input)) }
        // Keras creates the layer groups in sorted name order ("to avoid prefix issues").
        for layer in model.layers.sorted(by: { $0.name < $1.name }) {
            let group = try weights.createGroup(layer.name)
            let groups = LayerCodecs.weightGroups(of: layer, flavour: flavour)
            let names = groups.flatMap(\.legacyNames).map { weight in
                flavour == .keras3 ? "\(model.name)/\(layer.name)/\(weight)" : "\(layer.name)/\(weight):0"
            }
            try SplitAttribute.write(names, as: "weight_names", to: group)
            for (name, parameter) in zip(names, groups.flatMap(\.parameters)) { try write(parameter, named: name, in: group) }
        }
        try SplitAttribute.write([], as: "weight_names", to: try weights.createGroup("top_level_model_weights"))
        guard let optimizer else { return }
        let group = try root.createGroup("optimizer_weights")
        let variables = OptimizerState.variables(of: optimizer, model: model, flavour: flavour)
        try SplitAttribute.write(variables.map(\.name), as: "weight_names", to: group)
        for variable in variables { try write(variable, named: variable.name, in: group) }
    }

    /// The Keras 3 `.weights.h5` layout: `layers/<saveable>/vars/<i>`, `optimizer/vars/<i>`, a top-level `vars`.
    static func writeWeights(_ model: Model, optimizer: Optimizer?, root: Group) throws {
        if !(model is Sequential) {
            for path in KerasNaming.saveableNames(classNames: model.inputs.map { _ in InputLayerEntry.className }) {
                try root.createGroup("layers/\(path)/vars")
            }
        }
        let paths = KerasNaming.saveableNames(classNames: model.layers.map(\.className))
        for (layer, path) in zip(model.layers, paths) {
            // Every saveable has a `vars` group, empty or not, as Keras writes it.
            let layerGroup = try root.createGroup("layers/\(path)")
            try layerGroup.createGroup("vars")
            for group in LayerCodecs.weightGroups(of: layer, flavour: .keras3) {
                if !group.path.isEmpty { try layerGroup.createGroup(group.path + "/vars") }
                for (name, parameter) in zip(group.storedNames, group.parameters) { try write(parameter, named: name, in: layerGroup) }
            }
        }
        if let optimizer {
            let vars = try root.createGroup("optimizer/vars")
            for (index, variable) in OptimizerState.variables(of: optimizer, model: model, flavour: .keras3).enumerated() {
                try write(variable, named: String(index), in: vars)
            }
        }
        try root.createGroup("vars")
    }

    /// A layer weight as Keras stores it: float32, or int64 for the integer ones.
    private static func write(_ parameter: Parameter, named name: String, in group: Group) throws {
        if parameter.storedAsInteger {
            let values = UnsafeBufferPointer(start: parameter.value, count: parameter.count).map { Int64($0) }
            try group.createDataset(name, shape: parameter.shape, values: values)
        } else {
            try group.createDataset(name, shape: parameter.shape, contents: UnsafeBufferPointer(start: parameter.value, count: parameter.count))
        }
    }

    private static func write(_ variable: OptimizerState.Variable, named name: String, in group: Group) throws {
        switch variable.values {
        case .integer(let value): try group.createDataset(name, shape: variable.shape, values: [value])
        case .floats(let values): try group.createDataset(name, shape: variable.shape, values: values)
        case .slot(let slot): try group.createDataset(name, shape: slot.shape, contents: UnsafeBufferPointer(start: slot.values, count: slot.count))
        }
    }

    /// The bytes of a `.weights.h5` file of the model, built in memory.
    public static func weightsImage(_ model: Model, optimizer: Optimizer?, name: String) throws -> [UInt8] {
        let file = try File.createInMemory(name: name)
        try writeWeights(model, optimizer: optimizer, root: try file.root)
        return try file.image()
    }
}
