// swift-tools-version:6.1
import PackageDescription

// Modules, bottom up (arrows point down only; Tests/PackageTests checks them):
//   HDF5          libhdf5 groups, datasets and attributes; knows nothing of Keras
//   NeuralNet     tensors, layers, graphs, losses, optimizers, training; knows no files and no data sets
//   NumPy         .npy and .npz arrays in and out, any numeric dtype; knows no network
//   Safetensors   .safetensors tensors in and out, checked against hostile headers; knows no network
//   ONNX          a NeuralNet model as an ONNX ModelProto (protobuf written here); knows no files
//   MNIST         IDX, mnist.npz and image files to pixels (NumPy); knows no network
//   KerasFormat   Keras configs and file layouts <-> NeuralNet models (HDF5 + NeuralNet)
//   Architectures the four notebook presets: builders, recipes, preprocessing, recognition by weight shapes
//   KerasSwift    the umbrella a user imports, with the Keras-like KerasModel; knows nothing of MNIST or presets
// C shims and kernels (CHDF5, CBLAS, CGzip, CPNG, CKernels) are implementation details, not products.
let package = Package(
    name: "keras-swift",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "KerasSwift", targets: ["KerasSwift"]),
        .library(name: "HDF5", targets: ["HDF5"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "NumPy", targets: ["NumPy"]),
        .library(name: "Safetensors", targets: ["Safetensors"]),
        .library(name: "ONNX", targets: ["ONNX"]),
        .library(name: "MNIST", targets: ["MNIST"]),
        .library(name: "KerasFormat", targets: ["KerasFormat"]),
        .library(name: "Architectures", targets: ["Architectures"]),
        .executable(name: "h5tool", targets: ["h5tool"]),
        .executable(name: "keras-swift", targets: ["keras-swift"]),
        // The fuzzing targets, linked into libFuzzer's driver by scripts/fuzz.sh (files) and
        // scripts/fuzz-config.sh (model configs); not for other packages.
        .library(name: "_KerasFuzz", type: .dynamic, targets: ["KerasFuzz"]),
        .library(name: "_KerasConfigFuzz", type: .dynamic, targets: ["KerasConfigFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CGzip", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(name: "CKernels"),

        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "NeuralNet", dependencies: ["CKernels", "CBLAS"]),
        .target(name: "SafeWrite"),
        .target(name: "NumPy", dependencies: ["SafeWrite", "ZIPFoundation"]),
        .target(name: "Safetensors", dependencies: ["SafeWrite"]),
        .target(name: "ONNX", dependencies: ["NeuralNet"]),
        .target(name: "MNIST", dependencies: ["CGzip", "CPNG", "NumPy", "SafeWrite"]),
        .target(name: "KerasFormat", dependencies: ["HDF5", "NeuralNet", "Safetensors", "SafeWrite", "ZIPFoundation", "CGzip"]),
        .target(name: "Architectures", dependencies: ["NeuralNet", "MNIST", "KerasFormat"]),
        .target(name: "KerasSwift", dependencies: ["HDF5", "NeuralNet", "NumPy", "Safetensors", "ONNX", "KerasFormat", "SafeWrite"]),

        // The tools and what only they use.
        .target(name: "FileProbe", dependencies: ["HDF5", "KerasFormat"]),
        .target(name: "CommandLineSupport", dependencies: ["NeuralNet", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "h5tool",
            dependencies: ["HDF5", "NeuralNet", "KerasFormat", "Architectures", "CommandLineSupport", "FileProbe",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "keras-swift",
            dependencies: ["KerasSwift", "NeuralNet", "NumPy", "MNIST", "Architectures", "KerasFormat", "Safetensors", "ONNX", "SafeWrite",
                           "CommandLineSupport", "FileProbe",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(name: "getting-started", dependencies: ["KerasSwift", "MNIST", "Architectures"], path: "Examples/GettingStarted"),

        // Test and fuzzing support.
        .target(name: "TestSupport", dependencies: ["CPNG"], path: "Tests/TestSupport"),
        .target(name: "HostileCorpus", dependencies: ["CHDF5", "HDF5", "KerasFormat", "NeuralNet", "Architectures", "ZIPFoundation"]),
        .executableTarget(name: "hostile-corpus", dependencies: ["HostileCorpus"]),
        .target(name: "KerasFuzz", dependencies: ["FileProbe"]),
        .target(name: "KerasConfigFuzz", dependencies: ["KerasFormat", "NeuralNet"]),

        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "CKernels", "Architectures", "TestSupport"]),
        .testTarget(name: "MNISTTests", dependencies: ["MNIST", "TestSupport"]),
        .testTarget(name: "NumPyTests", dependencies: ["NumPy", "TestSupport"]),
        .testTarget(name: "SafetensorsTests", dependencies: ["Safetensors", "TestSupport"]),
        .testTarget(name: "ONNXTests", dependencies: ["ONNX", "NeuralNet"]),
        .testTarget(name: "ArchitecturesTests", dependencies: ["Architectures", "MNIST", "NeuralNet", "TestSupport"]),
        .testTarget(
            name: "KerasFormatTests", dependencies: ["KerasFormat", "HDF5", "NumPy", "MNIST", "NeuralNet", "Architectures", "TestSupport", "ZIPFoundation"]),
        .testTarget(
            name: "RobustnessTests",
            dependencies: ["HostileCorpus", "KerasFormat", "NeuralNet", "Architectures", "HDF5", "FileProbe", "TestSupport", "ZIPFoundation",
                           "keras-swift", "h5tool"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "KerasFormat", "NeuralNet", "NumPy", "h5tool", "keras-swift"]),
        .testTarget(name: "KerasSwiftTests", dependencies: ["KerasSwift", "MNIST", "Architectures", "TestSupport"]),
        .testTarget(name: "PackageTests", dependencies: ["KerasFormat", "Architectures", "NumPy", "MNIST", "TestSupport"]),
    ]
)
