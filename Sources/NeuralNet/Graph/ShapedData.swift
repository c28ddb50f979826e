extension Model {
    /// Samples for this model from arrays shaped as Keras's `fit`, `evaluate` and `predict` take them: per
    /// input in the model's order, `[n]` + its shape; each output's targets `[n]` + the output's shape, or for sparse categorical
    /// cross-entropy class indices `[n]` + the output's shape without its last axis; a target shape may also
    /// lack a last axis of 1 (Keras squeezes it away) or have one more (`(n, 1)` class indices). No targets
    /// gives samples to predict. Throws ``ModelError/invalidData(_:)`` naming the array that does not fit,
    /// and what ``check(_:targets:)`` refuses.
    public func samples(inputs: [Tensor], targets: [Tensor] = [], sampleWeights: [Float]? = nil) throws -> Samples {
        try checkShapes(inputs: inputs.map(\.shape), targets: targets.map(\.shape))
        let count = inputs[0].shape.first ?? 0
        let data = try Samples(count: count, inputs: inputs.map(\.scalars), targets: targets.map(\.scalars), sampleWeights: sampleWeights)
        try check(data, targets: !targets.isEmpty)
        return data
    }

    /// Refuses arrays of these shapes (the samples' axis first) as ``samples(inputs:targets:sampleWeights:)``
    /// refuses them: another number of inputs or target arrays, a shape that does not fit its input or its
    /// output's loss, or another number of samples than the first input's.
    public func checkShapes(inputs: [[Int]], targets: [[Int]] = []) throws {
        guard inputs.count == self.inputs.count else {
            throw ModelError.invalidData("the model takes \(self.inputs.count) input\(self.inputs.count == 1 ? "" : "s") "
                                         + "(\(inputNames.joined(separator: ", "))), given \(inputs.count) arrays")
        }
        for (shape, input) in zip(inputs, self.inputs) {
            guard shape.count == input.shape.count + 1, Array(shape.dropFirst()) == input.shape, shape[0] == inputs[0][0] else {
                throw ModelError.invalidData("the array's shape \(describeShape(shape)) does not fit input \(input.name) "
                                             + describeShape(input.shape, batch: true)
                                             + (shape.first == inputs[0].first ? "" : " for \(inputs[0].first ?? 0) samples"))
            }
        }
        let count = inputs[0].first ?? 0
        guard targets.isEmpty || targets.count == outputs.count else {
            throw ModelError.invalidData("\(targets.count) target arrays for a model with \(outputs.count) outputs (\(outputNames.joined(separator: ", ")))")
        }
        for (index, target) in targets.enumerated() {
            let shape = outputShapes[index], loss = losses[index]
            let expected = loss.takesClassIndices ? Array(shape.dropLast()) : shape
            let given = Array(target.dropFirst())
            let fits = given == expected || given + [1] == expected || given == expected + [1]
            guard target.first == count, fits else {
                throw ModelError.invalidData("the targets of output \(outputNames[index]) have shape \(describeShape(target)); its loss "
                                             + "\(loss.kind.rawValue) takes \(describeShape(expected, batch: true)) for \(count) samples")
            }
        }
    }

    /// Samples to predict from flat arrays, one per input in the model's order, each holding whole samples of
    /// its input, as many as the first; refused otherwise, and as ``check(_:targets:)`` refuses.
    func samples(inputs: [[Float]]) throws -> Samples {
        guard inputs.count == self.inputs.count else {
            throw ModelError.invalidData("the model takes \(self.inputs.count) input\(self.inputs.count == 1 ? "" : "s") "
                                         + "(\(inputNames.joined(separator: ", "))), the data has \(inputs.count)")
        }
        let count = inputs[0].count / inputSize
        for (values, input) in zip(inputs, self.inputs) where values.count != count * input.size {
            throw ModelError.invalidData("input \(input.name) is given \(values.count) values, not "
                                         + (values.count % input.size == 0 ? "the \(count) samples of the first input"
                                            : "a whole number of samples of \(describeShape(input.shape, batch: true))"))
        }
        let data = try Samples(count: count, inputs: inputs)
        try check(data, targets: false)
        return data
    }
}
