extension Model {
    /// Refuses data this model cannot run, naming what is wrong: another number of inputs, samples of
    /// another size, values of an integer input that are not whole numbers in its type's range, and with `targets`, another number of target arrays than outputs, targets of another size
    /// than each output's loss takes (class indices for sparse categorical cross-entropy, else the output's
    /// shape), class indices that are no whole numbers in the output's range, targets that are NaN or
    /// infinite, and metrics that read the other form of targets than the output's loss gives them.
    public func check(_ data: Samples, targets: Bool) throws {
        guard data.inputs.count == inputs.count else {
            throw ModelError.invalidData("the model takes \(inputs.count) input\(inputs.count == 1 ? "" : "s") (\(inputNames.joined(separator: ", "))), "
                                         + "the data has \(data.inputs.count)")
        }
        for (input, (values, size)) in zip(inputs, zip(data.inputs, data.inputSizes)) where data.count > 0 {
            guard size == input.size else {
                throw ModelError.invalidData("the samples of input \(input.name) hold \(size) values, the model takes "
                                             + "\(describeShape(input.shape, batch: true)) (\(input.size) values)")
            }
            if let range = input.dtype.wholeNumberRange,
               let position = values.firstIndex(where: { !range.contains($0) || $0.rounded() != $0 }) {
                throw ModelError.invalidData("value \(position) of input \(input.name) is \(values[position]), not a whole number "
                                             + "\(Int(range.lowerBound)) to \(Int(range.upperBound)) as its dtype \(input.dtype.rawValue) takes")
            }
        }
        guard targets else { return }
        for (index, list) in metrics.enumerated() {
            let classIndices = losses[index].takesClassIndices
            if let metric = list.first(where: { $0.takesClassIndices.map { $0 != classIndices } ?? false }) {
                throw ModelError.invalidData("metric \(metric.name) of output \(outputNames[index]) reads "
                                             + (classIndices ? "targets of the output's shape" : "class indices")
                                             + ", but its loss \(losses[index].kind.rawValue) takes "
                                             + (classIndices ? "class indices" : "targets of the output's shape"))
            }
        }
        guard data.targets.count == outputs.count else {
            throw ModelError.invalidData("\(data.targets.count) target arrays for a model with \(outputs.count) outputs (\(outputNames.joined(separator: ", ")))")
        }
        for (index, (values, size)) in zip(data.targets, data.targetSizes).enumerated() where data.count > 0 {
            let loss = losses[index], shape = outputShapes[index], name = outputNames[index]
            let expected = loss.targetSize(outputShape: shape)
            guard size == expected else {
                let form = loss.takesClassIndices
                    ? "one class index per \(shape.count > 1 ? "position of \(describeShape(Array(shape.dropLast()), batch: true))" : "sample")"
                    : "targets of the output's shape \(describeShape(shape, batch: true))"
                throw ModelError.invalidData("the targets of output \(name) hold \(size) values per sample; its loss \(loss.kind.rawValue) "
                                             + "takes \(form), \(expected) values")
            }
            if let position = values.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.invalidData("target \(position) of output \(name) is \(values[position])")
            }
            let classes = Float(shape.last ?? 1)
            if loss.takesClassIndices, let position = values.firstIndex(where: { $0 < 0 || $0 >= classes || $0.rounded() != $0 }) {
                throw ModelError.invalidData("class index \(position) of output \(name) is \(values[position]), not a class of its "
                                             + "\(Int(classes)) (0 to \(Int(classes) - 1))")
            }
        }
    }
}
