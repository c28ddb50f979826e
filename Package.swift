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
    ],
    targets: [
        .systemLibrary(
            name: "CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .executableTarget(
            name: "h5tool",
            dependencies: [
                "HDF5",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5", "TestSupport"]),
    ]
)
