// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "KerasSwift",
    platforms: [.macOS(.v13)],
    products: [
        .library(name: "HDF5", targets: ["HDF5"]),
        .executable(name: "h5tool", targets: ["h5tool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "KerasFormat", dependencies: ["HDF5", "ZIPFoundation"]),
        .target(
            name: "CommandLineSupport",
            dependencies: [.product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .executableTarget(
            name: "h5tool",
            dependencies: [
                "HDF5", "KerasFormat", "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
        .testTarget(name: "KerasFormatTests", dependencies: ["KerasFormat", "HDF5", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "h5tool"]),
    ]
)
