/// For each node of a model, the node whose output stands for it at inference, so that inference runs only
/// the nodes that stand for themselves: a BatchNormalization folded into the convolution before it (and an
/// activation layer after it) stands for that convolution (``BatchNormalizationFolding``), and a layer that
/// passes its input through unchanged at inference (Dropout, the noise layers) stands for the node it reads,
/// which saves a copy of its input per batch.
enum InferenceSources {
    static func of(_ nodes: [Node], outputs: [Int]) -> [Int] {
        var sources = BatchNormalizationFolding.inferenceSources(nodes, outputs: outputs)
        for (index, node) in nodes.enumerated() where sources[index] == index && passesThrough(node.layer) {
            guard node.inputs.count == 1, case .node(let source, 0) = node.inputs[0] else { continue }
            sources[index] = sources[source]
        }
        return sources
    }

    /// Whether `layer` is the identity at inference: Dropout and the noise layers (ActivityRegularization adds
    /// its penalty to an evaluation's loss, so it runs).
    static func passesThrough(_ layer: Layer) -> Bool { layer is Dropout || layer is TrainingNoiseLayer }
}
