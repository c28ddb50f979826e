// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "KerasSwift",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "HDF5", targets: ["HDF5"]),
        .executable(name: "h5tool", targets: ["h5tool"]),
        .executable(name: "digits", targets: ["digits"]),
        // The fuzzing target, linked into libFuzzer's driver by scripts/fuzz.sh.
        .library(name: "KerasFuzz", type: .dynamic, targets: ["KerasFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .systemLibrary(name: "CGzip", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-ffp-contract=fast", "-fno-math-errno"])]),
        .target(name: "NeuralNet", dependencies: ["CBLAS", "CKernels"]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .target(name: "MNIST", dependencies: ["NeuralNet", "CGzip", "CPNG", "ZIPFoundation"]),
        .target(name: "Architectures", dependencies: ["NeuralNet", "MNIST"]),
        .target(
            name: "KerasFormat", dependencies: ["HDF5", "NeuralNet", "CKernels", "Architectures", "SafeWrite", "ZIPFoundation"]),
        .target(
            name: "CommandLineSupport",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "h5tool",
            dependencies: [
                "HDF5", "KerasFormat", "Architectures", "CommandLineSupport", "FileProbe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "TestSupport", dependencies: ["CPNG"], path: "Tests/TestSupport"),
        .target(name: "SafeWrite"),
        .executableTarget(
            name: "digits",
            dependencies: [
                "NeuralNet", "MNIST", "Architectures", "KerasFormat", "SafeWrite", "CommandLineSupport", "FileProbe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "FileProbe", dependencies: ["HDF5", "KerasFormat"]),
        .target(name: "HostileCorpus", dependencies: ["HDF5", "KerasFormat", "NeuralNet", "Architectures", "ZIPFoundation"]),
        .executableTarget(name: "hostile-corpus", dependencies: ["HostileCorpus"]),
        .target(name: "KerasFuzz", dependencies: ["FileProbe"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "CKernels", "Architectures", "TestSupport"]),
        .testTarget(name: "MNISTTests", dependencies: ["MNIST", "NeuralNet", "TestSupport"]),
        .testTarget(
            name: "KerasFormatTests", dependencies: ["KerasFormat", "HDF5", "MNIST", "NeuralNet", "Architectures", "TestSupport"]),
        .testTarget(
            name: "RobustnessTests",
            dependencies: ["HostileCorpus", "KerasFormat", "NeuralNet", "Architectures", "HDF5", "TestSupport", "ZIPFoundation",
                           "digits", "h5tool"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "h5tool", "digits"]),
    ]
)
