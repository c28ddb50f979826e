import Foundation
import KerasFormat
import NeuralNet
import NumPy
import TestSupport
import Testing

/// Loading and converting a model hold its weights about once: the tool's peak memory, as the kernel counts it
/// for the child process, grows with a model's weights by at most 1.3 times their size. Under AddressSanitizer the
/// commands still run, but the bound is not checked: the sanitizer's shadow memory and its quarantine of freed
/// blocks count in the peak.
@Suite struct ToolMemoryTests {
    /// A Dense stack with Adam state saved at `path`; returns the bytes of its weights, and of its weights and
    /// optimizer slots.
    private func saveDenseModel(width: Int, to path: String) throws -> (weights: Int, withOptimizer: Int) {
        let model = try Sequential(inputShape: [784], layers: [Dense(units: width, activation: .relu), Dense(units: width, activation: .relu),
                                                              Dense(units: 10, activation: .softmax)])
        let optimizer = Adam(parameters: model.parameters)
        try ModelWriter.save(model, optimizer: optimizer, to: path)
        return (4 * model.parameterCount, 4 * model.parameterCount * 3)
    }

    @Test(arguments: ["h5", "keras"])
    func loadingAndConvertingHoldTheWeightsOnce(form: String) throws {
        let folder = try TemporaryFolder()
        let input = folder.path("x.npy")
        try NumpyArray(shape: [1, 784], float32: [Float](repeating: 0.5, count: 784)).write(to: input)
        // The tool's own memory, from a model of a few kilobytes, and a model of 50 MB with its Adam state.
        _ = try saveDenseModel(width: 8, to: folder.path("small.\(form)"))
        let large = try saveDenseModel(width: 1650, to: folder.path("large.\(form)"))
        #expect(large.withOptimizer > 45_000_000)
        let tool = BuiltTool.path("keras-swift")
        let other = form == "h5" ? "keras" : "h5"
        func peak(_ arguments: [String]) throws -> Int {
            let (status, bytes) = try peakMemory(tool, arguments)
            #expect(status == 0, "keras-swift \(arguments.joined(separator: " ")) failed")
            return bytes
        }
        let predictBase = try peak(["predict", folder.path("small.\(form)"), "--x", input, "--output", folder.path("p.npy")])
        let predictLarge = try peak(["predict", folder.path("large.\(form)"), "--x", input, "--output", folder.path("p.npy")])
        let convertBase = try peak(["convert", folder.path("small.\(form)"), folder.path("small-out.\(other)")])
        let convertLarge = try peak(["convert", folder.path("large.\(form)"), folder.path("large-out.\(other)")])
        guard !runningUnderAddressSanitizer else { return }
        #expect(predictLarge - predictBase <= large.weights * 13 / 10,
                "predict: \(predictLarge - predictBase) bytes over the tool's own for \(large.weights) bytes of weights")
        #expect(convertLarge - convertBase <= large.withOptimizer * 13 / 10,
                "convert: \(convertLarge - convertBase) bytes over the tool's own for \(large.withOptimizer) bytes of weights and slots")
    }
}
