/// At inference a BatchNormalization over the channels is folded into the convolution before it. With the
/// moving statistics fixed, the normalisation is `y = x · factor + offset` per channel, so
/// `BN(conv(x) + b) = conv'(x) + b'`, where `conv'` has each filter's kernel scaled by its `factor` and
/// `b' = b · factor + offset`: the pair costs one convolution and no pass of its own. Training passes, which
/// normalise with the batch's statistics, run both layers as they are.
enum BatchNormalizationFolding {
    /// For each node, the node whose output stands for it at inference: itself, or for a BatchNormalization
    /// folded into the convolution that feeds it, that convolution (which is told so). A pair folds when the
    /// normalisation is over the last axis and the convolution has no activation and no other consumer.
    static func inferenceSources(_ nodes: [Node]) -> [Int] {
        var consumers = [Int](repeating: 0, count: nodes.count)
        for node in nodes {
            for case .node(let source) in node.inputs { consumers[source] += 1 }
        }
        var sources = Array(nodes.indices)
        for (index, node) in nodes.enumerated() {
            guard let normalization = node.layer as? BatchNormalization, normalization.normalizesLastAxis, node.inputs.count == 1,
                  case .node(let source) = node.inputs[0], consumers[source] == 1,
                  let convolution = nodes[source].layer as? Conv2D, convolution.activation == .linear else { continue }
            convolution.foldedNormalization = normalization
            sources[index] = source
        }
        return sources
    }
}
