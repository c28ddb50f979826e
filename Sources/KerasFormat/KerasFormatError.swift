import Foundation
import HDF5
import NeuralNet

/// A Keras file that cannot be used as asked: the file, the object or layer inside it, and what is wrong.
public struct KerasFormatError: Error, LocalizedError, CustomStringConvertible, Sendable, Equatable {
    /// The file as the user named it.
    public let file: String
    /// The HDF5 path, zip member or layer the problem concerns.
    public let object: String?
    /// What is wrong.
    public let problem: Problem

    /// An error about `object` in `file`.
    public init(file: String, object: String? = nil, _ problem: Problem) {
        self.file = file
        self.object = object
        self.problem = problem
    }

    /// What is wrong, by kind, with the values involved.
    public enum Problem: Sendable, Equatable {
        // Recognising and opening files.
        /// A sound HDF5 file with no Keras layout.
        case notKerasLayout
        /// A file named `.keras` that is neither a zip archive nor an HDF5 file.
        case notAnArchive
        /// A file of a form this project writes but does not read as a model (`ONNX`, `safetensors`).
        case exportOnly(String)
        /// The file cannot be opened; the system's reason when there is one.
        case unreadable(String?)
        /// Nothing exists at the path.
        case noSuchFile
        /// A zip archive that ZIPFoundation cannot read.
        case notAZip(String)
        /// A zip member whose path is absolute or leaves the archive.
        case unsafeArchivePath
        /// A member a `.keras` archive must have; the members it has.
        case missingArchiveMember(members: [String])
        /// A zip member declaring more bytes than the limit.
        case archiveMemberTooLarge(bytes: UInt64, limit: UInt64)
        /// A zip member that expands more than the limit.
        case zipBomb(expansionLimit: UInt64)
        /// A zip member that cannot be extracted.
        case unextractable(String)
        /// A zip member whose headers declare more bytes than the archive holds for it.
        case truncatedArchiveMember(declared: UInt64, archive: UInt64)
        /// A zip member whose bytes do not have the CRC-32 its headers give.
        case checksumMismatch(stored: UInt32, computed: UInt32)
        /// A JSON attribute or member that does not parse.
        case invalidJSON(String)
        /// Reading the file in the probe process ended it with this signal, during this stage when it said,
        /// which only libhdf5 works in when `inLibhdf5`.
        case probeCrashed(signal: Int32, stage: String?, inLibhdf5: Bool)
        /// Reading the file in the probe process took longer than this many seconds.
        case probeHung(seconds: Int, stage: String?)

        // Model configs.
        /// A config lacking a required part, described.
        case malformedConfig(String)
        /// A model class other than Sequential.
        case unsupportedModelClass(String)
        /// No complete input shape in the config.
        case incompleteInputShape
        /// The layers do not fit together.
        case invalidModel(ModelError)
        /// A layer class no codec reads, and the ones that are read.
        case unknownLayerClass(String, supported: [String])
        /// A layer option this project cannot honour.
        case unsupportedOption(String)
        /// A config key whose value is missing or wrong, and why.
        case invalidValue(key: String, reason: String)
        /// An activation by a name this project does not have, and the ones it has.
        case unsupportedActivation(String, supported: [String])

        // Weights and optimizer state.
        /// A weights-only file loaded without an architecture.
        case noModelConfig(KerasFileFormat)
        /// Legacy files match layers with weights by position; these differ in number.
        case layerCountMismatch(model: [String], file: [String])
        /// A layer of the model whose variables the file does not have.
        case missingVariables(layer: String, expected: Int)
        /// Weights for a layer the model does not have.
        case unexpectedLayer
        /// A layer weight for which a weights file has no tensor.
        case missingTensor(layer: String, weight: String)
        /// A tensor of a weights file that no weight of the model matches.
        case unexpectedTensor
        /// A layer with another number of weights than the model's.
        case weightCountMismatch(layer: String, expected: [String], found: Int)
        /// A weight of another shape than the model's.
        case shapeMismatch(layer: String, weight: String, expected: [Int], found: [Int])
        /// Weights that are not floating point.
        case notFloats(ElementType)
        /// An optimizer variable that is not a number.
        case optimizerVariableNotNumeric(ElementType)
        /// A name list (`layer_names`, `weight_names`) holding something else.
        case notNames(ElementType)
        /// A name Keras could not store in an attribute.
        case nameTooLong(String, limit: Int)
        /// A layer name Keras never writes (empty, `.`, `..`, `/` or control characters).
        case unusableLayerName(String)
        /// A layer `layer_names` lists without a group of that name.
        case missingLayerGroup(String)
        /// A soft or external link where a dataset should be.
        case linkNotFollowed
        /// Variables `vars/<i>` not numbered 0, 1, 2...
        case misnumberedVariables([Int])

        // Writing.
        /// A file name that names no Keras form.
        case unknownOutputForm
        /// A model that cannot be written in Keras's layouts yet.
        case notWritable(String)
        /// The zip archive could not be assembled.
        case archiveNotAssembled(String?)

        // The notebook presets.
        /// A file whose model is not the architecture asked for.
        case notTheArchitecture(String)
        /// A weights-only file matching none of the presets.
        case matchesNoPreset([String])
    }

    /// The problem in words, without the file and object.
    public var reason: String {
        switch problem {
        case .notAnArchive: return "is not a .keras archive (no zip signature) nor an HDF5 file"
        case .exportOnly(let form) where form == "safetensors":
            return "is a safetensors file of weights alone; make it a Keras file with `keras-swift convert` and --config, --model or --arch"
        case .exportOnly(let form): return "is an \(form) model, which keras-swift writes but does not read"
        case .notKerasLayout: return "is an HDF5 file but not a Keras model or weights file (no model_weights, layer_names or layers/ found)"
        case .noSuchFile: return "no such file"
        case .unreadable(let details): return "cannot be read" + (details.map { " (\($0))" } ?? "")
        case .notAZip(let details): return "not a readable zip archive (\(details))"
        case .unsafeArchivePath: return "unsafe member path (absolute or leaving the archive)"
        case .missingArchiveMember(let members): return "missing from the archive (members: \(members.joined(separator: ", ")))"
        case .archiveMemberTooLarge(let bytes, let limit): return "declares \(bytes) bytes, more than the limit of \(limit)"
        case .zipBomb(let limit): return "expands more than \(limit) times; refusing a possible zip bomb"
        case .unextractable(let details): return "cannot be extracted (\(details))"
        case .checksumMismatch(let stored, let computed):
            return "is damaged: its bytes have CRC-32 \(String(computed, radix: 16)), its headers say \(String(stored, radix: 16))"
        case .truncatedArchiveMember(let declared, let archive):
            return "is truncated: its headers declare \(declared) bytes, which the \(archive)-byte archive does not hold"
        case .invalidJSON(let details): return "is not valid JSON (\(details))"
        case .probeCrashed(let signal, let stage, let inLibhdf5):
            let during = stage.map { " while \($0)" } ?? ""
            // Swift's failed checks (an overflow, an index out of range) stop a process with SIGILL or SIGTRAP;
            // libhdf5's memory errors with SIGSEGV, SIGBUS or SIGABRT.
            if signal == SIGILL || signal == SIGTRAP {
                return "stopped keras-swift on a failed internal check (signal \(signal))\(during): a bug in keras-swift, "
                    + "please report it with this file; refusing it"
            }
            return "is damaged: reading it crashed \(inLibhdf5 ? "libhdf5" : "the reader") (signal \(signal))\(during); refusing it"
        case .probeHung(let seconds, let stage):
            return "reading it took more than \(seconds) s\(stage.map { " while \($0)" } ?? ""); refusing it as damaged"
        case .malformedConfig(let what): return what
        case .unsupportedModelClass(let name): return "is a \(name) model; only Sequential and Functional models are supported"
        case .incompleteInputShape:
            return "does not give a complete input shape (an axis of None takes its length from the data: keras-swift's --x, KerasModel.load's inputShapes)"
        case .invalidModel(let error): return error.description
        case .unknownLayerClass(let name, let supported):
            return "unknown layer class \(name) (supported: \(supported.joined(separator: ", ")))"
        case .unsupportedOption(let what): return "\(what) is not supported"
        case .invalidValue(let key, let reason): return "\(key) \(reason)"
        case .unsupportedActivation(let name, let supported):
            return "unsupported activation '\(name)' (supported: \(supported.joined(separator: ", ")))"
        case .noModelConfig(let format): return "has no model config (\(format)); load its weights into a model built from a config or in Swift"
        case .layerCountMismatch(let model, let file):
            return "layer count mismatch: the model has \(model.count) layers with weights (\(model.joined(separator: ", "))), "
                + "the file has \(file.count) (\(file.joined(separator: ", ")))"
        case .missingVariables(let layer, let expected): return "layer \(layer) expects \(expected) variables, the file has none"
        case .unexpectedLayer: return "holds weights for a layer the model does not have"
        case .missingTensor(let layer, let weight): return "missing: the model's layer \(layer) needs it for its \(weight)"
        case .unexpectedTensor: return "matches no weight of the model (its keys are Keras's weight paths, layer/weight)"
        case .weightCountMismatch(let layer, let expected, let found):
            return "weight count mismatch for layer \(layer): the model expects \(expected.count) (\(expected.joined(separator: ", "))), "
                + "the file has \(found)"
        case .shapeMismatch(let layer, let weight, let expected, let found):
            return "shape mismatch for layer \(layer) \(weight): expected \(describeShape(expected)), found \(describeShape(found))"
        case .notFloats(let type): return "holds \(type) values; weights must be floats"
        case .optimizerVariableNotNumeric(let type): return "optimizer variable holds \(type) values"
        case .notNames(let type): return "holds \(type) values, expected names"
        case .nameTooLong(let name, let limit): return "name \(name.prefix(40))... is longer than \(limit) bytes"
        case .unusableLayerName(let name):
            return "\(JSONValue.string(name).pythonJSON) is not a usable layer name (empty, '.', '..', '/' or control characters)"
        case .missingLayerGroup(let name): return "layer_names lists '\(name)' but there is no group of that name"
        case .linkNotFollowed: return "is a link, not a dataset; links are not followed"
        case .misnumberedVariables(let indices): return "variables are numbered \(indices), expected 0...\(indices.count - 1)"
        case .unknownOutputForm: return "cannot tell the format from the name; use .h5, .weights.h5 or .keras, or name the format"
        case .notWritable(let why): return why
        case .archiveNotAssembled(let details): return "the zip archive could not be assembled" + (details.map { " (\($0))" } ?? "")
        case .notTheArchitecture(let name): return "its model config is not the \(name) architecture asked for"
        case .matchesNoPreset(let presets):
            return "has no model config and its weights match none of the presets (\(presets.joined(separator: ", "))); name its architecture"
        }
    }

    public var description: String {
        if let object { return "\(file): \(object): \(reason)" }
        return "\(file): \(reason)"
    }

    /// The one-line description.
    public var errorDescription: String? { description }
}

/// Something a reader converted or ignored that the user should hear about: loading goes on.
public enum Notice: Sendable, Equatable, CustomStringConvertible {
    /// A weight stored as another type (`float16`, `float64`, `bfloat16`), converted to float32.
    case convertedToFloat32(weight: String, from: String)
    /// A weight holding NaN or infinite values.
    case nonFiniteValues(weight: String, count: Int, of: Int)
    /// A layer setting that training here does not apply (regularisers, constraints).
    case ignoredSetting(layer: String, key: String)
    /// An optimizer class this project cannot restore.
    case optimizerNotSupported(String)
    /// Optimizer state without its settings: Keras's defaults are used.
    case optimizerSettingsMissing(String)
    /// Optimizer state with another number of variables than the model needs in Keras 3's layout or in Keras
    /// 2's: the optimizer starts afresh.
    case optimizerVariableCount(optimizer: String, found: Int, keras3: Int, keras2: Int)
    /// An optimizer slot of another shape than its weight's: the optimizer starts afresh.
    case optimizerSlotShape(variable: String, expected: [Int], found: [Int])
    /// State for another optimizer than the one asked for, which starts afresh.
    case optimizerReplaced(by: String)
    /// A loss this project does not have.
    case lossNotSupported(String)
    /// A metric this project does not compute, described: it is left out.
    case metricNotSupported(String)

    public var description: String {
        switch self {
        case .convertedToFloat32(let weight, let type): return "\(weight): converted from \(type) to float32"
        case .nonFiniteValues(let weight, let count, let total): return "\(weight): \(count) of \(total) values are NaN or infinite"
        case .ignoredSetting(let layer, let key): return "layer \(layer): \(key) is ignored"
        case .optimizerNotSupported(let name): return "optimizer \(name) is not supported here; its state is not restored"
        case .optimizerSettingsMissing(let name):
            return "the file does not record the optimizer's settings; using Keras's defaults for \(name)"
        case .optimizerVariableCount(let optimizer, let found, let keras3, let keras2):
            return "the stored \(optimizer) state has \(found) variables where this model needs \(keras3) (Keras 3) or \(keras2) "
                + "(Keras 2); starting the optimizer afresh"
        case .optimizerSlotShape(let variable, let expected, let found):
            return "optimizer variable \(variable) has shape \(describeShape(found)), expected \(describeShape(expected)); "
                + "starting the optimizer afresh"
        case .optimizerReplaced(let name): return "the file's optimizer state is for another optimizer; starting \(name) afresh"
        case .metricNotSupported(let reason): return reason + "; it is not reported"
        case .lossNotSupported(let name):
            return "the file's loss \(name) is not supported (only \(Loss.Kind.supportedNames), from logits or not); sparse_categorical_crossentropy is used"
        }
    }
}
