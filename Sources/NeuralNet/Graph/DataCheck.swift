extension Model {
    /// Refuses data this model cannot run, naming what is wrong: another number of inputs, samples of
    /// another size, values of an integer input that are not whole numbers in its type's range, and with
    /// `targets`, another number of target arrays than outputs, targets of another size than each output's loss
    /// takes (class indices for sparse categorical cross-entropy, else the output's shape), class indices that
    /// are no whole numbers in the output's range, targets that are NaN or infinite, and metrics that read the
    /// other form of targets than the output's loss gives them.
    public func check(_ data: Samples, targets: Bool) throws {
        try checkLayout(data, targets: targets)
        guard data.count > 0 else { return }
        try withUnsafePointers(to: data.inputs + (targets ? data.targets : [])) { arrays in
            try checkValues(arrays, samples: data.count, rows: nil)
        }
    }

    /// The part of ``check(_:targets:)`` a source's sizes decide: the number of arrays, their sizes per
    /// sample, and the metrics' forms of targets.
    func checkLayout(_ data: SampleSource, targets: Bool) throws {
        guard data.inputSizes.count == inputs.count else {
            throw ModelError.invalidData("the model takes \(inputs.count) input\(inputs.count == 1 ? "" : "s") (\(inputNames.joined(separator: ", "))), "
                                         + "the data has \(data.inputSizes.count)")
        }
        for (input, size) in zip(inputs, data.inputSizes) where data.count > 0 && size != input.size {
            throw ModelError.invalidData("the samples of input \(input.name) hold \(size) values, the model takes "
                                         + "\(describeShape(input.shape, batch: true)) (\(input.size) values)")
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
        guard data.targetSizes.count == outputs.count else {
            throw ModelError.invalidData("\(data.targetSizes.count) target arrays for a model with \(outputs.count) outputs (\(outputNames.joined(separator: ", ")))")
        }
        for (index, size) in data.targetSizes.enumerated() where data.count > 0 {
            let loss = losses[index], shape = outputShapes[index]
            let expected = loss.targetSize(outputShape: shape)
            guard size == expected else {
                let form = loss.takesClassIndices
                    ? "one class index per \(shape.count > 1 ? "position of \(describeShape(Array(shape.dropLast()), batch: true))" : "sample")"
                    : "targets of the output's shape \(describeShape(shape, batch: true))"
                throw ModelError.invalidData("the targets of output \(outputNames[index]) hold \(size) values per sample; its loss "
                                             + "\(loss.kind.rawValue) takes \(form), \(expected) values")
            }
        }
    }

    /// The part of ``check(_:targets:)`` the values decide, over `samples` samples of each input and, when
    /// given, each output's targets (`arrays` in that order, laid out as the layout check accepted). A value
    /// is named by its position in its array, or when the samples were gathered from `rows`, by its sample.
    func checkValues(_ arrays: [UnsafePointer<Float>], samples: Int, rows: UnsafeBufferPointer<Int>?) throws {
        func place(_ position: Int, size: Int) -> String {
            guard let rows else { return "\(position)" }
            return (size == 1 ? "" : "\(position % size) ") + "of sample \(rows[position / size])"
        }
        for (index, input) in inputs.enumerated() {
            guard let range = input.dtype.wholeNumberRange else { continue }
            let values = UnsafeBufferPointer(start: arrays[index], count: samples * input.size)
            if let position = values.firstIndex(where: { !range.contains($0) || $0.rounded() != $0 }) {
                throw ModelError.invalidData("value \(place(position, size: input.size)) of input \(input.name) is \(values[position]), not a whole number "
                                             + "\(Int(range.lowerBound)) to \(Int(range.upperBound)) as its dtype \(input.dtype.rawValue) takes")
            }
        }
        // An Embedding reading an input takes its values as indices of its matrix, as Keras does (which stops
        // at the first other one).
        for node in nodes {
            guard let embedding = node.layer as? Embedding, case .input(let index)? = node.inputs.first else { continue }
            let input = inputs[index], values = UnsafeBufferPointer(start: arrays[index], count: samples * input.size)
            if let position = values.firstIndex(where: { embedding.row($0) == nil }) {
                throw ModelError.invalidData("value \(place(position, size: input.size)) of input \(input.name) is \(values[position]), not an index "
                                             + "of layer \(embedding.name)'s \(embedding.inputDimension) rows (0 to \(embedding.inputDimension - 1), "
                                             + "or -\(embedding.inputDimension) to -1 from the end)")
            }
        }
        guard arrays.count > inputs.count else { return }
        for (index, size) in targetSizes.enumerated() {
            let loss = losses[index], name = outputNames[index]
            let values = UnsafeBufferPointer(start: arrays[inputs.count + index], count: samples * size)
            if let position = values.firstIndex(where: { !$0.isFinite }) {
                throw ModelError.invalidData("target \(place(position, size: size)) of output \(name) is \(values[position])")
            }
            let classes = Float(outputShapes[index].last ?? 1)
            if loss.takesClassIndices, let position = values.firstIndex(where: { $0 < 0 || $0 >= classes || $0.rounded() != $0 }) {
                throw ModelError.invalidData("class index \(place(position, size: size)) of output \(name) is \(values[position]), not a class of its "
                                             + "\(Int(classes)) (0 to \(Int(classes) - 1))")
            }
        }
    }
}
