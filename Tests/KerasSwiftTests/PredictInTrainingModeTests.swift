import KerasSwift
import Testing

/// `predict(training: true)`, as Keras's `model(x, training=True)`: noise drawn, batch statistics used and the
/// moving statistics moved; `training: false` leaves everything as it was.
@Suite struct PredictInTrainingModeTests {
    @Test func batchNormalizationUsesEachBatchsStatisticsAndMovesItsMovingOnes() throws {
        let model = KerasModel(try Sequential(inputShape: [2], layers: [BatchNormalization(momentum: 0.5)], seed: 1))
        let x = try Tensor(shape: [4, 2], scalars: [1, 10, 3, 20, 5, 30, 7, 40])
        let inference = try model.predict(x)
        for (value, input) in zip(inference.scalars, x.scalars) { #expect(abs(value - input / (1 + 1e-3).squareRoot()) <= 1e-5) }
        #expect(try model.predict(x) == inference)

        let normalised = try model.predict(x, batchSize: 4, training: true)
        let means: [Float] = [4, 25], variances: [Float] = [5, 125]
        for (index, value) in normalised.scalars.enumerated() {
            let column = index % 2
            #expect(abs(value - (x.scalars[index] - means[column]) / (variances[column] + 1e-3).squareRoot()) <= 1e-5)
        }
        // gamma, beta, moving mean, moving variance, as Keras lists them; moving = moving × 0.5 + batch × 0.5.
        let weights = try model.model.layer(named: "batch_normalization").getWeights()
        #expect(weights[2].scalars == [2, 12.5] && weights[3].scalars == [3, 63])
        #expect(try model.predict(x) != inference)
    }

    @Test func dropoutDropsOnlyInTrainingMode() throws {
        let model = KerasModel(try Sequential(inputShape: [64], layers: [Dropout(rate: 0.5)], seed: 1))
        let x = try Tensor(shape: [8, 64], scalars: Array(repeating: 1, count: 512))
        #expect(try model.predict(x) == x)
        let dropped = try model.predict(x, training: true).scalars
        #expect(Set(dropped) == [0, 2])
        let kept = dropped.filter { $0 == 2 }.count
        #expect(kept > 150 && kept < 362, "\(kept) of 512 kept")
    }
}
