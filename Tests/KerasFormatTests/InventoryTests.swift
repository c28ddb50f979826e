import HDF5
import KerasFormat
import TestSupport
import Testing

/// Reading the layer and optimizer inventory of the three real files.
@Suite struct InventoryTests {
    @Test func formsAreRecognisedFromContent() throws {
        #expect(try KerasFile.open(SharedData.reference("LeNet5.h5")).format == .legacyModel)
        #expect(try KerasFile.open(SharedData.reference("MNIST-numbers-cnn.h5")).format == .legacyModel)
        #expect(try KerasFile.open(SharedData.reference("LeNet5.weights.h5")).format == .weightsH5)
    }

    @Test func legacyKeras3InventoryFollowsLayerNames() throws {
        let file = try KerasFile.open(SharedData.reference("LeNet5.h5"))
        #expect(file.kerasVersion == "3.3.3")
        let inventory = try file.inventory()
        #expect(inventory.layers.map(\.name) == ["conv2d", "average_pooling2d", "conv2d_1", "average_pooling2d_1",
                                                 "flatten", "dense", "dense_1", "dense_2"])
        #expect(inventory.layers.map(\.className) == ["Conv2D", "AveragePooling2D", "Conv2D", "AveragePooling2D",
                                                      "Flatten", "Dense", "Dense", "Dense"])
        #expect(inventory.layers[0].weights.map(\.name) == ["sequential/conv2d/kernel", "sequential/conv2d/bias"])
        #expect(inventory.layers[0].weights[0].path == "/model_weights/conv2d/sequential/conv2d/kernel")
        #expect(inventory.parameterCount == 61_706)
        #expect(inventory.optimizerName == "SGD")
        #expect(inventory.optimizerWeights.map(\.name) == ["SGD/iteration", "SGD/learning_rate"])
    }

    @Test func legacyKeras2InventoryHasAdamSlotsInterleaved() throws {
        let inventory = try KerasFile.open(SharedData.reference("MNIST-numbers-cnn.h5")).inventory()
        #expect(inventory.parameterCount == 27_594)
        #expect(inventory.optimizerName == "Adam")
        #expect(inventory.optimizerWeights.count == 29)
        #expect(inventory.optimizerValueCount == 2 * 27_594 + 1)
    }

    @Test func weightsH5IsInNameOrderWithoutAConfigAndModelOrderWithOne() throws {
        let file = try KerasFile.open(SharedData.reference("LeNet5.weights.h5"))
        let unordered = try file.inventory()
        #expect(!unordered.layersInModelOrder)
        #expect(unordered.layers.first?.name == "average_pooling2d")
        let config = try #require(try KerasFile.open(SharedData.reference("LeNet5.h5")).modelConfig())
        let ordered = try file.inventory(config: config)
        #expect(ordered.layersInModelOrder)
        #expect(ordered.layers.map(\.name) == ["conv2d", "average_pooling2d", "conv2d_1", "average_pooling2d_1",
                                               "flatten", "dense", "dense_1", "dense_2"])
        #expect(ordered.layers[5].weights.map(\.shape) == [[400, 120], [120]])
        #expect(ordered.optimizerWeights.map(\.name) == ["vars/0", "vars/1"])
    }

    @Test func modelConfigsOfBothKerasVersionsParse() throws {
        let keras3 = try #require(try KerasFile.open(SharedData.reference("LeNet5.h5")).modelConfig())
        #expect(keras3.modelClass == "Sequential")
        #expect(keras3.batchInputShape == [nil, 32, 32, 1])
        #expect(keras3.layers.count == 8)
        let keras2 = try #require(try KerasFile.open(SharedData.reference("MNIST-numbers-cnn.h5")).modelConfig())
        #expect(keras2.batchInputShape == [nil, 28, 28, 1])
        #expect(keras2.layers.map(\.className).last == "Dense")
        #expect(keras2.saveableNames().prefix(4) == ["conv2d", "average_pooling2d", "conv2d_1", "average_pooling2d_1"])
    }

    @Test func plainHDF5IsNotTakenForKeras() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("plain.h5")
        try File.create(path).root.createDataset("x", shape: [1], values: [Float(1)])
        #expect(try KerasFile.recognize(path) == nil)
        #expect(throws: KerasFormatError.self) { try KerasFile.open(path) }
    }
}
