import NeuralNet

/// BatchNormalization folded into the convolution before it, as this project's own inference does: with the
/// moving statistics fixed the normalisation is `x · factor + offset` per channel, so the Conv node's kernel
/// has each output channel's filter scaled by its factor and its bias becomes `bias · factor + offset`; the
/// normalisation then needs no node of its own.
extension GraphBuilder {
    /// Folds `normalization` into the Conv node computing `source`, when that node has no activation after it,
    /// the normalisation is over the channels and nothing else reads the convolution's output; false otherwise.
    mutating func fold(_ normalization: BatchNormalization, into source: LoweredValue, consumers: Int) -> Bool {
        let rank = normalization.inputShape.count + 1
        guard consumers == 1, normalization.axis == -1 || normalization.axis == rank - 1,
              let index = foldableConvolutions[source.name] else { return false }
        let (factor, offset) = normalization.inferenceScaleAndShift
        let conv = graph.nodes[index]
        guard let kernel = graph.initializers.firstIndex(where: { $0.name == conv.inputs[1] }),
              let kernelValues = graph.initializers[kernel].floats else { return false }
        // ONNX's kernel is (output channels, ...): each output channel's filter is one contiguous block.
        let block = kernelValues.count / factor.count
        graph.initializers[kernel].floats = kernelValues.enumerated().map { $1 * factor[$0 / block] }
        let bias = conv.inputs.count > 2 ? graph.initializers.first(where: { $0.name == conv.inputs[2] })?.floats : nil
        let foldedBias = factor.indices.map { (bias?[$0] ?? 0) * factor[$0] + offset[$0] }
        let biasName = graph.constant("\(normalization.name)/folded_bias", shape: [factor.count], foldedBias)
        graph.nodes[index].inputs = Array(conv.inputs.prefix(2)) + [biasName]
        if let stale = conv.inputs.dropFirst(2).first { graph.initializers.removeAll { $0.name == stale } }
        foldableConvolutions[source.name] = nil
        return true
    }
}
