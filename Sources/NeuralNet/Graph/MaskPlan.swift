/// Which node's mask each node's output carries, worked out once per model by Keras 3's rules (see
/// ``MaskHandling``): a mask starts at a ``MaskMakingLayer`` and travels through the layers that pass it.
struct MaskPlan {
    /// Per node, the node that made the mask its output carries, or nil.
    let sources: [Int?]
    /// Per node, the node that made the mask its input carries, for layers that read masks; else nil.
    let readSources: [Int?]
    /// Per output, the maker of its mask, which the loss and metrics weigh positions by, or nil.
    let outputSources: [Int?]

    /// Refuses a mask reaching a layer that does not support it, one that does not fit the layer reading it
    /// or the output it reaches, and an output mask made from another layer's output (the loss weighs each
    /// batch by its count of unmasked positions, taken from the model's inputs before the batch is split).
    init(_ nodes: [Node], outputs: [Int]) throws {
        var sources = [Int?](repeating: nil, count: nodes.count)
        var readSources = sources
        for (index, node) in nodes.enumerated() {
            // A layer's first output carries its mask; its others (a recurrent layer's states) carry none.
            let carried = node.inputs.map { input -> Int? in
                guard case .node(let source, 0) = input else { return nil }
                return sources[source]
            }
            let incoming = carried.compactMap { $0 }.first
            let layer = node.layer
            switch layer.maskHandling {
            case .ends: break
            case .passes: sources[index] = incoming
            case .joins:
                guard let incoming else { break }
                guard carried.allSatisfy({ $0 == incoming }) else {
                    throw ModelError.invalidInput(layer: layer.name, reason: "\(layer.className) is given different masks, or a mask on some inputs only, which Keras 3 and tf-keras join differently: not supported")
                }
                sources[index] = incoming
            case .makes: sources[index] = index
            case .reads(let passesOn):
                guard let incoming else { break }
                try Self.requireFit(incoming, nodes, positions: layer.inputShapes[0].dropLast().reduce(1, *), at: layer.name,
                                    what: "input")
                readSources[index] = incoming
                if passesOn { sources[index] = incoming }
            case .unsupported:
                if let incoming {
                    throw ModelError.invalidInput(layer: layer.name, reason: "\(layer.className) is given the mask \(nodes[incoming].layer.name) makes, which is not supported")
                }
            }
        }
        for output in outputs {
            guard let source = sources[output] else { continue }
            let shape = nodes[output].layer.outputShape
            try Self.requireFit(source, nodes, positions: shape.dropLast().reduce(1, *), at: nodes[output].layer.name, what: "output")
            guard case .input = nodes[source].inputs[0] else {
                throw ModelError.invalidInput(layer: nodes[source].layer.name, reason: "makes a mask from another layer's output that reaches the model's output \(nodes[output].layer.name), which is not supported (only masks made from the model's inputs)")
            }
        }
        self.sources = sources
        self.readSources = readSources
        outputSources = outputs.map { sources[$0] }
    }

    /// Refuses the mask of `source` where it does not have one value per each of `positions`.
    private static func requireFit(_ source: Int, _ nodes: [Node], positions: Int, at layer: String, what: String) throws {
        let length = (nodes[source].layer as! MaskMakingLayer).maskLength
        guard length == positions else {
            throw ModelError.invalidInput(layer: layer, reason: "its \(what) carries the mask \(nodes[source].layer.name) makes, of \(length) values per sample, where it has \(positions) positions")
        }
    }

    /// The maker of output `index`'s mask as a layer, with the model input it reads.
    func outputMaker(_ index: Int, _ nodes: [Node]) -> (layer: MaskMakingLayer, input: Int)? {
        guard let source = outputSources[index], case .input(let input) = nodes[source].inputs[0] else { return nil }
        return (nodes[source].layer as! MaskMakingLayer, input)
    }
}
