extension Model {
    /// The figures Keras reports for `totals`: `loss`, each output's `NAME_loss` when there are several, then
    /// every output's metrics (after the output's name and `_` when there are several), the weighted ones after
    /// all the others, as Keras lists them; a name that comes again gets `_1`, `_2`, ..., or for a weighted
    /// metric `weighted_` before it first.
    public func scores(_ totals: BatchResult) -> Scores {
        var scores = Scores([("loss", totals.meanLoss)])
        let perOutput = outputScores(totals)
        if outputs.count > 1 {
            for (name, output) in zip(outputNames, perOutput) { scores.append(name + "_loss", output["loss"] ?? .nan) }
        }
        for reported in reportedMetrics {
            // Past the output's loss, its metrics in their order.
            scores.append(reported.name, perOutput[reported.output].values[1 + reported.position])
        }
        return scores
    }

    /// Every metric with the name Keras reports it under, in Keras's order (see ``scores(_:)``): its output,
    /// its place among that output's ``metrics``, and the name before ``Scores`` makes a repeated one unique.
    var reportedMetrics: [(name: String, output: Int, position: Int, metric: Metric)] {
        var reported: [(name: String, output: Int, position: Int, metric: Metric)] = []
        var taken: Set<String> = ["loss"]
        if outputs.count > 1 { outputNames.forEach { taken.insert($0 + "_loss") } }
        for weighted in [false, true] {
            for (index, name) in outputNames.enumerated() {
                for (position, metric) in metrics[index].enumerated() where metric.weighted == weighted {
                    let prefix = outputs.count > 1 ? name + "_" : ""
                    // Keras calls a weighted metric whose name is taken weighted_NAME (then _1, ...).
                    let name = prefix + (weighted && taken.contains(prefix + metric.name) ? "weighted_" : "") + metric.name
                    taken.insert(name)
                    reported.append((name, index, position, metric))
                }
            }
        }
        return reported
    }

    /// Per output, its own loss (`loss`) and its metrics, in the order of ``metrics``.
    func outputScores(_ totals: BatchResult) -> [Scores] {
        let offsets = metricOffsets
        return totals.metricStates.withUnsafeBufferPointer { states in
            outputs.indices.map { index in
                var scores = Scores([("loss", totals.outputLosses[index] / Double(max(1, totals.samples)))])
                for (metric, offset) in zip(metrics[index], offsets[index]) {
                    scores.append(metric.name, states.isEmpty ? .nan : metric.result(states.baseAddress! + offset))
                }
                return scores
            }
        }
    }

    /// Per output, where each of `metrics`' running sums start in ``BatchResult/metricStates`` (one after
    /// another, output by output), and how many there are in all.
    static func stateLayout(of metrics: [[Metric]]) -> (offsets: [[Int]], count: Int) {
        var next = 0
        let offsets = metrics.map { list in
            list.map { metric in
                defer { next += metric.stateSize }
                return next
            }
        }
        return (offsets, next)
    }
}
