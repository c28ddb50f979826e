import NeuralNet
import Testing

/// Metrics by Keras's names, how they are reported, and what they refuse; their arithmetic is checked against
/// Keras in KerasFormatTests' MetricReferenceTests.
@Suite struct MetricTests {
    @Test func kerasNamesResolveAsKerasResolvesThem() throws {
        #expect(try Metric(kerasName: "acc") == Metric(.accuracy, name: "acc"))
        #expect(try Metric(kerasName: "Accuracy") == Metric(.accuracy, name: "Accuracy"))
        #expect(try Metric(kerasName: "mean_squared_error").kind == .mean(of: Loss(.meanSquaredError)))
        #expect(try Metric(kerasName: "MSE") == Metric(.mean(of: Loss(.meanSquaredError)), name: "MSE"))
        #expect(try Metric(kerasName: "kl_divergence").kind == Metric(kerasName: "KLDivergence").kind)
        #expect(try Metric(kerasName: "top_k_categorical_accuracy").kind == .topKCategoricalAccuracy(k: 5))
        #expect(try Metric(kerasName: "log_cosh_error").kind == .mean(of: Loss(.logCosh)))
        #expect(try Metric(kerasName: "auc").kind == .auc(.init()))
        #expect(try Metric(kerasName: "bce", weighted: true) == Metric(.mean(of: Loss(.binaryCrossentropy)), name: "bce", weighted: true))
        #expect(throws: KerasNameError.self) { try Metric(kerasName: "r2_score") }
        #expect(throws: KerasNameError.self) { try Metric(kerasName: "mean_absolute_eror") }
        #expect(throws: KerasNameError.self) { try Metric(kerasName: "crossentropy") }
        do {
            _ = try Metric(kerasName: "F1Score")
        } catch {
            #expect("\(error)".hasPrefix("Keras's metric F1Score is not supported"))
        }
    }

    /// Keras weighs only its `weighted_metrics` by the sample weights, and reports a weighted metric whose name
    /// is taken as `weighted_NAME`, another repeated name with `_1`.
    @Test func onlyWeightedMetricsHearTheSampleWeights() throws {
        let model = try Sequential(inputShape: [3], layers: [Dense(units: 3, activation: .softmax)], seed: 3, workerCount: 2)
        try model.setMetrics([[.accuracy, Metric(.accuracy, weighted: true), Metric(.sparseTopKCategoricalAccuracy(k: 2)), .accuracy,
                               Metric(.accuracy, weighted: true)]])
        let data = ClassData(shape: [3], inputs: (0..<30).map { Float($0 % 7) - 3 }, labels: (0..<10).map { $0 % 3 })
        var weighted = data.samples(for: model)
        weighted.sampleWeights = (0..<10).map { Float($0 % 4) }
        let plain = try model.evaluate(data.samples(for: model), batchSize: 3).scores
        let scores = try model.evaluate(weighted, batchSize: 3).scores
        let topK = "sparse_top_k_categorical_accuracy"
        #expect(scores.names == ["loss", "accuracy", topK, "accuracy_1", "weighted_accuracy", "weighted_accuracy_1"])
        #expect(scores["accuracy"] == plain["accuracy"] && scores[topK] == plain[topK] && scores["accuracy_1"] == plain["accuracy"])
        #expect(plain["weighted_accuracy"] == plain["accuracy"] && scores["weighted_accuracy"] != plain["accuracy"])
        #expect(scores["loss"] != plain["loss"])
    }

    /// A metric reads the targets in the form the output's loss takes them; another form is refused.
    @Test func aMetricOfTheOtherTargetFormIsRefused() throws {
        let model = try Sequential(inputShape: [3], layers: [Dense(units: 3, activation: .softmax)], seed: 3)
        let data = ClassData(shape: [3], inputs: [Float](repeating: 0.5, count: 6), labels: [0, 2])
        try model.setMetrics([[Metric(.categoricalAccuracy)]])
        #expect(throws: ModelError.invalidData("metric categorical_accuracy of output dense reads targets of the output's shape, but its "
                                               + "loss sparse_categorical_crossentropy takes class indices")) {
            try model.evaluate(data.samples(for: model))
        }
        model.loss = Loss(.categoricalCrossentropy)
        try model.setMetrics([[Metric(.sparseTopKCategoricalAccuracy(k: 2))]])
        #expect(throws: ModelError.self) { try model.evaluate(data.samples(for: model)) }
        try model.setMetrics([[.accuracy, Metric(.categoricalAccuracy)]])
        #expect(try model.evaluate(data.samples(for: model)).scores.names == ["loss", "accuracy", "categorical_accuracy"])
    }
}
