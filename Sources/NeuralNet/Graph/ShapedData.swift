extension Model {
    /// Samples for this model from arrays shaped as Keras's `fit`, `evaluate` and `predict` take them: the
    /// input `[n] + inputShape`; each output's targets `[n]` + the output's shape, or for sparse categorical
    /// cross-entropy class indices `[n]` + the output's shape without its last axis; a target shape may also
    /// lack a last axis of 1 (Keras squeezes it away) or have one more (`(n, 1)` class indices). No targets
    /// gives samples to predict. Throws ``ModelError/invalidData(_:)`` naming the array that does not fit,
    /// and what ``check(_:targets:)`` refuses.
    public func samples(inputs: [Tensor], targets: [Tensor] = [], sampleWeights: [Float]? = nil) throws -> Samples {
        guard inputs.count == 1 else { throw ModelError.invalidData("the model takes 1 input, given \(inputs.count) arrays") }
        let input = inputs[0]
        guard input.shape.count == inputShape.count + 1, Array(input.shape.dropFirst()) == inputShape else {
            throw ModelError.invalidData("the input array's shape \(describeShape(input.shape)) does not fit the model's input "
                                         + describeShape(inputShape, batch: true))
        }
        let count = input.shape[0]
        guard targets.isEmpty || targets.count == outputs.count else {
            throw ModelError.invalidData("\(targets.count) target arrays for a model with \(outputs.count) outputs (\(outputNames.joined(separator: ", ")))")
        }
        for (index, target) in targets.enumerated() {
            let shape = outputShapes[index], loss = losses[index]
            let expected = loss.takesClassIndices ? Array(shape.dropLast()) : shape
            let given = Array(target.shape.dropFirst())
            let fits = given == expected || given + [1] == expected || given == expected + [1]
            guard target.shape.first == count, fits else {
                throw ModelError.invalidData("the targets of output \(outputNames[index]) have shape \(describeShape(target.shape)); its loss "
                                             + "\(loss.kind.rawValue) takes \(describeShape(expected, batch: true)) for \(count) samples")
            }
        }
        let data = try Samples(count: count, inputs: [input.scalars], targets: targets.map(\.scalars), sampleWeights: sampleWeights)
        try check(data, targets: !targets.isEmpty)
        return data
    }
}
