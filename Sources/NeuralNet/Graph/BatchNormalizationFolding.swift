/// At inference a BatchNormalization over the channels is folded into the convolution before it. With the
/// moving statistics fixed, the normalisation is `y = x · factor + offset` per channel, so
/// `BN(conv(x) + b) = conv'(x) + b'`, where `conv'` has each filter's kernel scaled by its `factor` and
/// `b' = b · factor + offset`: the pair costs one convolution and no pass of its own. Training passes, which
/// normalise with the batch's statistics, run both layers as they are. An activation layer that alone takes
/// the normalisation's output (ReLU or ReLU6, or Activation with a value-by-value function) is then applied by the
/// convolution too, on its output while it is in cache.
enum BatchNormalizationFolding {
    /// `count` kernel values whose last axis is the `channels` outputs, each scaled by its channel's factor of
    /// `normalization`, and the bias (zero when nil) times the factor plus the offset, written into `buffer`.
    static func fold(kernel: UnsafePointer<Float>, count: Int, bias: UnsafePointer<Float>?, channels: Int,
                     _ normalization: BatchNormalization, into buffer: ScratchBuffer) -> (kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>) {
        let folded = buffer.reserve(count + 3 * channels)
        let foldedBias = folded + count, factor = foldedBias + channels, offset = factor + channels
        normalization.inferenceAffine(factor: factor, offset: offset)
        for row in 0..<count / channels {
            for c in 0..<channels { folded[row * channels + c] = kernel[row * channels + c] * factor[c] }
        }
        for c in 0..<channels { foldedBias[c] = (bias?[c] ?? 0) * factor[c] + offset[c] }
        return (UnsafePointer(folded), UnsafePointer(foldedBias))
    }

    /// For each node, the node whose output stands for it at inference: itself, or for a BatchNormalization
    /// folded into the convolution that feeds it, that convolution (which is told so). A pair folds when the
    /// normalisation is over the last axis and the convolution (not a shared one) has no activation and no
    /// other consumer; so does an activation layer after it, unless it is one of the model's outputs (whose
    /// activation a loss may take over).
    static func inferenceSources(_ nodes: [Node], outputs: [Int]) -> [Int] {
        var consumers = [Int](repeating: 0, count: nodes.count)
        for node in nodes {
            for case .node(let source, _) in node.inputs { consumers[source] += 1 }
        }
        let shared = nodes.runSharedLayers
        var sources = Array(nodes.indices)
        for (index, node) in nodes.enumerated() {
            guard let normalization = node.layer as? BatchNormalization, normalization.normalizesLastAxis, node.inputs.count == 1,
                  case .node(let source, 0) = node.inputs[0], consumers[source] == 1,
                  let convolution = nodes[source].layer as? NormalizationFoldingLayer, convolution.activation == .linear,
                  !shared[source] else { continue }
            convolution.foldedNormalization = normalization
            sources[index] = source
            guard consumers[index] == 1,
                  let next = nodes.indices.first(where: { nodes[$0].inputs.count == 1 && nodes[$0].inputs[0] == .node(index) }),
                  !outputs.contains(next), let activation = elementwiseActivation(nodes[next].layer) else { continue }
            convolution.foldedActivation = activation
            sources[next] = source
        }
        return sources
    }

    /// The activation `layer` applies value by value, when it is an activation layer that does only that.
    private static func elementwiseActivation(_ layer: Layer) -> Activation? {
        if let relu = layer as? ReLU, let activation = relu.activation { return activation }
        if let layer = layer as? ActivationLayer, !layer.activation.worksOnRows, !layer.activationDeferred { return layer.activation }
        return nil
    }
}

/// A layer that takes over the BatchNormalization after it, and the activation after that, at inference
/// (``Convolution``, ``DepthwiseConvolution``); ``BatchNormalizationFolding`` sets both.
protocol NormalizationFoldingLayer: ActivatedLayer {
    /// The BatchNormalization folded into this layer's kernel and bias at inference.
    var foldedNormalization: BatchNormalization? { get set }
    /// The activation layer after that BatchNormalization, applied by this layer at inference.
    var foldedActivation: Activation? { get set }
}

