import HDF5

/// One weight array as a Keras file stores it.
public struct StoredWeight: Sendable, Equatable {
    /// Keras's name for it: a `weight_names` entry (`sequential/conv2d/kernel`, `conv2d/kernel:0`) or `vars/<i>`.
    public let name: String
    /// Absolute HDF5 path of the dataset.
    public let path: String
    /// The array's shape.
    public let shape: [Int]
    /// The stored element type.
    public let elementType: ElementType

    /// Number of values; `Int.max` for a shape declaring more (only a hostile file does).
    public var count: Int { checkedElementCount(shape) ?? .max }
}

/// The sum of counts, `Int.max` when it overflows.
func saturatingSum(_ counts: [Int]) -> Int {
    counts.reduce(0) { total, count in
        let (sum, overflow) = total.addingReportingOverflow(count)
        return overflow ? .max : sum
    }
}

/// One layer's entry in a Keras file.
public struct StoredLayer: Sendable, Equatable {
    /// The layer name (legacy files) or saveable name (`.weights.h5`: `conv2d_1`).
    public let name: String
    /// The Keras class, from the model config or recovered from the saveable name.
    public let className: String?
    /// The HDF5 group holding the layer.
    public let groupPath: String
    /// The layer's weights in Keras's order.
    public let weights: [StoredWeight]

    /// The number of stored values.
    public var parameterCount: Int { saturatingSum(weights.map(\.count)) }
}

/// Everything a Keras file stores about layers and optimizer, independent of its form.
public struct WeightInventory: Sendable, Equatable {
    /// Which of Keras's forms the file is.
    public let format: KerasFileFormat
    /// Layers in model order when ``layersInModelOrder``; else in the file's name order.
    public let layers: [StoredLayer]
    /// False for `.weights.h5` read without a config: that form does not record the order of layers.
    public let layersInModelOrder: Bool
    /// The optimizer's class (`SGD`, `Adam`) when the file says it.
    public let optimizerName: String?
    /// Optimizer variables in stored (positional) order.
    public let optimizerWeights: [StoredWeight]

    /// The number of stored layer values.
    public var parameterCount: Int { saturatingSum(layers.map(\.parameterCount)) }
    /// The number of stored optimizer values.
    public var optimizerValueCount: Int { saturatingSum(optimizerWeights.map(\.count)) }

    /// The same inventory with the layers named in `order` first, in that order (the rest after them).
    public func ordered(as order: [String]) -> WeightInventory {
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let sorted = layers.enumerated().sorted { a, b in
            (rank[a.element.name] ?? order.count + a.offset) < (rank[b.element.name] ?? order.count + b.offset)
        }.map(\.element)
        return WeightInventory(format: format, layers: sorted, layersInModelOrder: true,
                               optimizerName: optimizerName, optimizerWeights: optimizerWeights)
    }
}

extension WeightInventory {
    /// Reads the inventory of a legacy `.h5`: layers from `layer_names` (model order), weights from each
    /// layer's `weight_names`, optimizer state from `optimizer_weights`.
    static func readLegacy(root: Group, format: KerasFileFormat, config: ModelConfig?,
                           trainingConfig: JSONValue?) throws -> WeightInventory {
        let weightsGroup = format == .legacyModel ? try root.group("model_weights") : root
        let layerNames = try SplitAttribute.strings("layer_names", of: weightsGroup)
        let classNames = Dictionary((config?.layers ?? []).map { ($0.name, $0.className) }, uniquingKeysWith: { first, _ in first })
        let layers = try layerNames.map { name -> StoredLayer in
            guard isUsableLayerName(name) else {
                throw KerasFormatError(file: root.location.file, object: weightsGroup.path + "@layer_names", .unusableLayerName(name))
            }
            guard weightsGroup.kind(of: name) == .group else {
                throw KerasFormatError(file: root.location.file, object: weightsGroup.path, .missingLayerGroup(name))
            }
            let group = try weightsGroup.group(name)
            let weights = try SplitAttribute.strings("weight_names", of: group).map { try storedWeight(group, $0, name: $0) }
            return StoredLayer(name: name, className: classNames[name], groupPath: group.path, weights: weights)
        }
        var optimizerWeights: [StoredWeight] = []
        var optimizerName = trainingConfig?["optimizer_config"]?["class_name"]?.stringValue.map(Self.plainClassName)
        if root.kind(of: "optimizer_weights") == .group {
            let group = try root.group("optimizer_weights")
            optimizerWeights = try SplitAttribute.strings("weight_names", of: group).map { try storedWeight(group, $0, name: $0) }
            if optimizerName == nil, let first = optimizerWeights.first(where: { $0.name.contains("/") }) {
                optimizerName = String(first.name.prefix { $0 != "/" })
            }
        }
        return WeightInventory(format: format, layers: layers, layersInModelOrder: true,
                               optimizerName: optimizerName, optimizerWeights: optimizerWeights)
    }

    /// Reads the inventory of a Keras 3 `.weights.h5` layout: `layers/<saveable>/vars/<i>` and `optimizer/vars/<i>`.
    /// With a config the layers come in model order at the paths Keras computes; without one, in name order.
    static func readWeightsH5(root: Group, format: KerasFileFormat, config: ModelConfig?) throws -> WeightInventory {
        let container = root.kind(of: "layers") == .group ? "layers" : "_layer_checkpoint_dependencies"
        let layersGroup = try root.group(container)
        let layerLinks = try layersGroup.links().filter { $0.kind == .group }
        let stored = layerLinks.map(\.name)
        // A link from inside one layer's group back to a layer's is not followed.
        let layerAddresses = Set(layerLinks.compactMap(\.address))
        var ordered: [(name: String, className: String?)]
        var inModelOrder = false
        if let config {
            let expected = config.saveableNames()
            ordered = zip(expected, config.layers.map(\.className)).map { ($0, Optional($1)) }
            // Groups the config does not explain are kept at the end so nothing in the file is hidden (nested
            // models' groups, which hold their layers', are explained).
            // A nested model's group `block` is explained by `block/layers/dense`: every path and its parents.
            let explained = Set(expected.flatMap { path in
                path.indices.filter { path[$0] == "/" }.map { String(path[..<$0]) } + [path]
            })
            ordered += stored.filter { !explained.contains($0) }.map { ($0, KerasNaming.className(fromSaveableName: $0)) }
            inModelOrder = true
        } else {
            ordered = stored.map { ($0, KerasNaming.className(fromSaveableName: $0)) }
        }
        let layers = try ordered.map { name, className -> StoredLayer in
            guard layersGroup.kind(of: name) == .group else {
                return StoredLayer(name: name, className: className, groupPath: layersGroup.path + "/" + name, weights: [])
            }
            let group = try layersGroup.group(name)
            return StoredLayer(name: name, className: className, groupPath: group.path, weights: try nestedVars(of: group, besides: layerAddresses))
        }
        let optimizerWeights = root.kind(of: "optimizer") == .group ? try vars(of: root.group("optimizer")) : []
        return WeightInventory(format: format, layers: layers, layersInModelOrder: inModelOrder,
                               optimizerName: nil, optimizerWeights: optimizerWeights)
    }

    /// How deep saveables nest inside a layer's: a Bidirectional's LSTM keeps its weights at
    /// `forward_layer/cell/vars`, and a TimeDistributed could wrap that. Deeper groups are not read.
    static let maximumSaveableDepth = 4

    /// A layer's weights: its own `vars/<i>`, then those of the saveables nested in it (`layer/vars/<i>`),
    /// group by group, named by their path under the layer's group. A group linked from several places (which
    /// Keras never writes) is read once, so that links cannot multiply the work, and groups at `layerAddresses`
    /// (the layers' own) not at all.
    private static func nestedVars(of group: Group, besides layerAddresses: Set<UInt64>) throws -> [StoredWeight] {
        var visited = layerAddresses
        func walk(_ group: Group, prefix: String, depth: Int) throws -> [StoredWeight] {
            var weights = try vars(of: group, prefix: prefix)
            guard depth < maximumSaveableDepth else { return weights }
            for link in try group.links() where link.kind == .group && link.name != "vars" {
                guard let address = link.address, visited.insert(address).inserted else { continue }
                weights += try walk(try group.group(link.name), prefix: prefix + link.name + "/", depth: depth + 1)
            }
            return weights
        }
        return try walk(group, prefix: "", depth: 0)
    }

    /// The datasets `vars/0`, `vars/1`, ... of a saveable's group, in index order, their names prefixed.
    private static func vars(of group: Group, prefix: String = "") throws -> [StoredWeight] {
        guard group.kind(of: "vars") == .group else { return [] }
        let varsGroup = try group.group("vars")
        let links = try varsGroup.links()
        if let link = links.first(where: { $0.kind != .dataset && $0.kind != .group }) {
            throw KerasFormatError(file: group.location.file, object: varsGroup.path + "/" + link.name, .linkNotFollowed)
        }
        let indices = links.filter { $0.kind == .dataset }.compactMap { Int($0.name) }.sorted()
        for (expected, index) in indices.enumerated() where expected != index {
            throw KerasFormatError(file: group.location.file, object: varsGroup.path, .misnumberedVariables(indices))
        }
        return try indices.map { try storedWeight(varsGroup, String($0), name: prefix + "vars/\($0)") }
    }

    private static func storedWeight(_ group: Group, _ path: String, name: String) throws -> StoredWeight {
        let dataset = try group.dataset(path)
        return StoredWeight(name: name, path: dataset.path, shape: try dataset.shape(), elementType: try dataset.elementType())
    }

    /// Keras never writes an empty layer name, `.`/`..`, a `/` (which HDF5 would follow into other groups) or
    /// control characters; non-ASCII letters are fine.
    static func isUsableLayerName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/")
            && !name.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
    }

    /// `Custom>Adam` (Keras 2's registered name) → `Adam`.
    static func plainClassName(_ name: String) -> String {
        name.split(separator: ">").last.map(String.init) ?? name
    }
}
