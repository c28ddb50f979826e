import Foundation
import HDF5
import TestSupport
import Testing

/// The wrapper reads the three real notebook files exactly as h5dump and h5py show them.
@Suite struct RealKerasFileTests {
    @Test func legacyKeras3FileHasRootAttributesWithTheirExactStringTypes() throws {
        let root = try File.open(SharedData.reference("LeNet5.h5")).root
        #expect(try root.attributeNames() == ["backend", "keras_version", "model_config", "training_config"])
        let version = try root.attribute("keras_version")
        #expect(version.string == "3.3.3")
        #expect(version.shape == [])
        #expect(version.elementType == .string(.variableLength, .utf8))
        let config = try root.attribute("model_config")
        #expect(config.elementType == .string(.variableLength, .ascii))
        #expect(config.string?.count == 3801)
        #expect(config.string?.hasPrefix(#"{"class_name": "Sequential""#) == true)
    }

    @Test func layerNamesAreAVariableLengthStringArrayInModelOrder() throws {
        let weights = try File.open(SharedData.reference("LeNet5.h5")).root.group("model_weights")
        let names = try weights.attribute("layer_names")
        #expect(names.shape == [8])
        #expect(names.elementType == .string(.variableLength, .ascii))
        #expect(names.strings == ["conv2d", "average_pooling2d", "conv2d_1", "average_pooling2d_1",
                                  "flatten", "dense", "dense_1", "dense_2"])
    }

    @Test func weightlessLayerStoresAnEmptyFloat64WeightNames() throws {
        let pool = try File.open(SharedData.reference("LeNet5.h5")).root.group("model_weights/average_pooling2d")
        let names = try pool.attribute("weight_names")
        #expect(names.elementType == .float(bytes: 8))
        #expect(names.shape == [0])
        #expect(names.value == .floats([]))
    }

    @Test func groupsAreListedInNameOrderWithTheirKinds() throws {
        let root = try File.open(SharedData.reference("LeNet5.h5")).root
        let weights = try root.group("model_weights")
        #expect(try weights.links().map(\.name) == ["average_pooling2d", "average_pooling2d_1", "conv2d", "conv2d_1",
                                                    "dense", "dense_1", "dense_2", "flatten", "top_level_model_weights"])
        let conv = try root.group("model_weights/conv2d/sequential/conv2d")
        #expect(try conv.links() == [Link(name: "bias", kind: .dataset), Link(name: "kernel", kind: .dataset)])
    }

    @Test func weightValuesMatchWhatH5pyReads() throws {
        let root = try File.open(SharedData.reference("LeNet5.h5")).root
        let kernel = try root.dataset("model_weights/conv2d/sequential/conv2d/kernel")
        #expect(try kernel.shape() == [5, 5, 1, 6])
        #expect(try kernel.elementType() == .float(bytes: 4))
        let values = try kernel.read(Float.self)
        #expect(values.count == 150)
        #expect(Array(values.prefix(4)) == [0.30100682377815247, 0.0799885243177414, 0.24397803843021393, 0.4821648597717285])
        #expect(values.last == 0.1714051514863968)
        let bias = try root.dataset("model_weights/dense_2/sequential/dense_2/bias").read(Float.self)
        #expect(bias[0] == -0.06307101249694824)
        #expect(bias[9] == 0.00730056781321764)
        let storage = try kernel.storage()
        #expect(storage.layout == .contiguous)
        #expect(storage.storedBytes == 600)
        #expect(storage.filters.isEmpty)
    }

    @Test func optimizerScalarsKeepTheirIntegerAndFloatTypes() throws {
        let root = try File.open(SharedData.reference("LeNet5.h5")).root
        let iteration = try root.dataset("optimizer_weights/SGD/iteration")
        #expect(try iteration.shape() == [])
        #expect(try iteration.elementType() == .integer(bytes: 8, signed: true))
        #expect(try iteration.read(Int64.self) == [36113])
        #expect(try root.dataset("optimizer_weights/SGD/learning_rate").read(Float.self) == [0.01])
    }

    @Test func keras2FileUsesColonSuffixedNamesAndAdamSlots() throws {
        let root = try File.open(SharedData.reference("MNIST-numbers-cnn.h5")).root
        #expect(try root.attribute("keras_version").string == "2.15.0")
        let conv = try root.group("model_weights/conv2d")
        #expect(try conv.attribute("weight_names").strings == ["conv2d/kernel:0", "conv2d/bias:0"])
        let bias = try root.dataset("model_weights/dense_3/dense_3/bias:0").read(Float.self)
        #expect(bias[0] == 0.09865628182888031)
        #expect(bias[8] == 0.36555957794189453)
        let optimizer = try root.group("optimizer_weights")
        let names = try optimizer.attribute("weight_names").strings ?? []
        #expect(names.count == 29)
        #expect(names.first == "iteration:0")
        #expect(names[1] == "Adam/m/conv2d/kernel:0")
        #expect(names[2] == "Adam/v/conv2d/kernel:0")
        #expect(try optimizer.dataset("iteration:0").read(Int64.self) == [18750])
        let m = try optimizer.dataset("Adam/m/dense_3/bias:0").read(Float.self)
        #expect(m[0] == -0.0027205017395317554)
    }

    @Test func weightsOnlyFileHasVarsGroupsAndNoAttributes() throws {
        let root = try File.open(SharedData.reference("LeNet5.weights.h5")).root
        #expect(try root.attributeNames().isEmpty)
        #expect(try root.links().map(\.name) == ["layers", "optimizer", "vars"])
        #expect(try root.group("layers/flatten/vars").links().isEmpty)
        let kernel = try root.dataset("layers/conv2d/vars/0")
        #expect(try kernel.shape() == [5, 5, 1, 6])
        #expect(Array(try kernel.read(Float.self).prefix(2)) == [0.30100682377815247, 0.0799885243177414])
        #expect(try root.dataset("optimizer/vars/0").read(Int64.self) == [36113])
    }

    @Test func readingReleasesEveryHandle() throws {
        // A private copy: libhdf5 shares one file object between all opens of a path in a process, so other
        // tests reading the same file at the same time would be counted too.
        let folder = try TemporaryFolder()
        let path = folder.path("copy.h5")
        try FileManager.default.copyItem(atPath: SharedData.reference("MNIST-numbers-cnn.h5"), toPath: path)
        let file = try File.open(path)
        do {
            let root = try file.root
            _ = try root.attributes()
            for link in try root.group("model_weights").links() where link.kind == .group {
                _ = try root.group("model_weights/\(link.name)").attributes()
            }
            _ = try root.dataset("model_weights/dense/dense/kernel:0").read(Float.self)
        }
        #expect(file.openObjectCount == 1)
    }

    @Test func missingObjectsAreNamedInTheError() throws {
        let root = try File.open(SharedData.reference("LeNet5.h5")).root
        let error = #expect(throws: HDF5Error.self) { try root.dataset("model_weights/nothing/here") }
        #expect(error?.object == "/model_weights/nothing/here")
        #expect(error?.description.hasSuffix("LeNet5.h5: /model_weights/nothing/here: no such dataset") == true)
        #expect(throws: HDF5Error.self) { try root.group("model_weights/conv2d/sequential/conv2d/kernel") }
        #expect(throws: HDF5Error.self) { try root.attribute("nope") }
    }
}
