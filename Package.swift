// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "KerasSwift",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "HDF5", targets: ["HDF5"]),
        .executable(name: "h5tool", targets: ["h5tool"]),
        .executable(name: "digits", targets: ["digits"]),
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
                "HDF5", "KerasFormat", "Architectures", "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "TestSupport", dependencies: ["CPNG"], path: "Tests/TestSupport"),
        .target(name: "SafeWrite"),
        .executableTarget(
            name: "digits",
            dependencies: [
                "NeuralNet", "MNIST", "Architectures", "KerasFormat", "SafeWrite", "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "Architectures", "TestSupport"]),
        .testTarget(name: "MNISTTests", dependencies: ["MNIST", "NeuralNet", "TestSupport"]),
        .testTarget(
            name: "KerasFormatTests", dependencies: ["KerasFormat", "HDF5", "MNIST", "NeuralNet", "Architectures", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "h5tool", "digits"]),
    ]
)
