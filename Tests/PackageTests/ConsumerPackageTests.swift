import Architectures
import Foundation
import NumPy
import KerasFormat
import MNIST
import TestSupport
import Testing

/// A package of a user's own, in a folder of its own, that depends on this one by path and builds the
/// getting-started program (`Examples/GettingStarted/main.swift`) against `import KerasSwift`: it must
/// predict the notebook's LeNet-5 as Keras does, and the `.keras` it saves after training must load back
/// with the predictions it had.
@Suite struct ConsumerPackageTests {
    static let manifest = """
        // swift-tools-version:6.1
        import PackageDescription

        let package = Package(
            name: "consumer",
            dependencies: [.package(path: "../keras-swift")],
            targets: [
                .executableTarget(name: "consumer", dependencies: [
                    .product(name: "KerasSwift", package: "keras-swift"),
                    .product(name: "MNIST", package: "keras-swift"),
                    .product(name: "Architectures", package: "keras-swift"),
                ]),
            ]
        )

        """

    static func floats(_ path: String) throws -> [Float] { try NumpyArray.read(path).floats() }

    @Test func aPackageThatDependsOnThisOneBuildsAndRunsTheGettingStartedProgram() throws {
        let folder = try TemporaryFolder()
        let root = SharedData.repositoryRoot
        try FileManager.default.createSymbolicLink(atPath: folder.path("keras-swift"), withDestinationPath: root.path)
        let sources = folder.url.appendingPathComponent("consumer/Sources/consumer")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        try Self.manifest.write(toFile: folder.path("consumer/Package.swift"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(at: root.appendingPathComponent("Examples/GettingStarted/main.swift"),
                                         to: sources.appendingPathComponent("main.swift"))
        // A build folder inside this repository (ignored by git), so that a second run only rebuilds what changed.
        let scratch = root.appendingPathComponent(".build-consumer").path
        let build = try runProcess("/usr/bin/env", ["swift", "build", "--scratch-path", scratch], currentDirectory: folder.path("consumer"))
        try #require(build.status == 0, "the consumer package does not build:\n\(build.stdout)\n\(build.stderr)")

        let output = folder.path("out")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let run = try runProcess(scratch + "/debug/consumer", [SharedData.reference("LeNet5.h5"), SharedData.mnist, output])
        try #require(run.status == 0, "the getting-started program failed: \(run.stderr)")
        #expect(run.stdout.contains("Total params: 61,706"))

        let predictions = try Self.floats(output + "/predictions.npy")
        let keras = try Self.floats(SharedData.fixture("keras-predictions/LeNet5.h5.first100.npy"))
        #expect(predictions.count == 1000 && keras.count == 1000)
        let gap = zip(predictions, keras).map { abs($0 - $1) }.max() ?? 1
        #expect(gap <= 1e-5, "largest difference from Keras's predictions \(gap)")

        let retrained = try Architecture.load(output + "/retrained.keras")
        #expect(retrained.architecture == .lenet5)
        let test = Architecture.lenet5.preprocessing.inputs(try MNIST.loadTest(from: SharedData.mnist).prefix(100))
        let reloaded = try retrained.model.predict(test)
        let after = try Self.floats(output + "/retrained-predictions.npy")
        // The consumer is a debug build and this test a release one: the same weights, rounded in other orders.
        let reloadGap = zip(reloaded, after).map { abs($0 - $1) }.max() ?? 1
        #expect(reloaded.count == after.count && reloadGap <= 1e-5, "the saved .keras predicts otherwise (by \(reloadGap), \(reloaded.count) vs \(after.count) values)")
        #expect(after != predictions, "training changed nothing")
    }
}
