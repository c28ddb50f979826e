import KerasFormat
import NeuralNet

/// libFuzzer's entry points for model configs, built as a shared library and linked into libFuzzer's driver
/// by `scripts/fuzz-config.sh`: every input is a config (`model.to_json()` or a `.keras` archive's
/// `config.json`) that is parsed, built with its compile settings, written back, and run forward and through a
/// training step, the way `train --model` would. Inputs mutate as JSON (see ``ConfigMutator``), so the
/// fuzzer explores values and structure rather than broken syntax.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, let json = try? JSONParser.parse(String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)) else {
        return 0
    }
    exercise(json)
    return 0
}

/// Rewrites an input as a structure-aware mutation of its JSON; an input that is not JSON gets libFuzzer's
/// byte-level mutation.
@_cdecl("LLVMFuzzerCustomMutator")
public func mutateOneConfig(_ data: UnsafeMutablePointer<UInt8>?, _ size: Int, _ maxSize: Int, _ seed: UInt32) -> Int {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let json = try? JSONParser.parse(text) else { return LLVMFuzzerMutate(data, size, maxSize) }
    var mutator = ConfigMutator(seed: UInt64(seed))
    let mutated = Array(mutator.mutate(json).pythonJSON.utf8)
    guard mutated.count <= maxSize else { return LLVMFuzzerMutate(data, size, maxSize) }
    data.update(from: mutated, count: mutated.count)
    return mutated.count
}

/// libFuzzer's own byte-level mutation, provided by the driver the library is linked into.
@_silgen_name("LLVMFuzzerMutate")
func LLVMFuzzerMutate(_ data: UnsafeMutablePointer<UInt8>, _ size: Int, _ maxSize: Int) -> Int

/// Samples per pass, and the most work a model may take per input (larger ones are only built: the fuzzer's
/// time goes to many configs, not to one big pass).
private let batch = 2
private let largestParameterCount = 1 << 20
private let largestTrainingFlops = 2e8

/// What `train --model` does with a config, on two samples of constant values (0.5, or 1 for an integer input)
/// with targets of 0.
func exercise(_ json: JSONValue) {
    guard let configured = try? ConfiguredModel(json, file: "config.json", seed: 1, initializeWeights: false) else { return }
    let model = configured.model
    _ = ConfigWriter.archiveConfig(model, optimizer: configured.optimizer).pythonJSON
    _ = ConfigWriter.legacyModelConfig(model, flavour: .keras2).pythonJSON
    guard model.parameterCount <= largestParameterCount, model.trainingFlops * Double(batch) <= largestTrainingFlops else { return }
    let inputs = model.inputs.map { [Float](repeating: $0.dtype.isInteger ? 1 : 0.5, count: batch * $0.size) }
    // Targets of 0: class 0 where a loss takes class indices, zeros of the output's shape elsewhere.
    let targets = zip(model.losses, model.outputShapes).map { [Float](repeating: 0, count: batch * $0.targetSize(outputShape: $1)) }
    _ = try? model.predictEach(inputs, batchSize: batch)
    let optimizer = configured.optimizer ?? SGD(parameters: model.parameters)
    withUnsafePointers(to: inputs + targets) { arrays in
        _ = model.trainingStep(Batch(count: batch, inputs: Array(arrays[..<inputs.count]), targets: Array(arrays[inputs.count...])),
                               optimizer: optimizer)
    }
}
