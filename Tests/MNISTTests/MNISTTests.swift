import Foundation
import MNIST
import TestSupport
import Testing

/// The loaders on genuine MNIST, Keras's npz cache and the data folder search.
@Suite struct MNISTTests {
    static let data = Result { try MNIST.load(from: SharedData.mnist) }

    @Test func genuineMNISTHasItsKnownStatistics() throws {
        let mnist = try Self.data.get()
        #expect(mnist.train.count == 60_000 && mnist.test.count == 10_000)
        #expect(mnist.train.rows == 28 && mnist.train.columns == 28)
        var trainCounts = [Int](repeating: 0, count: 10), testCounts = [Int](repeating: 0, count: 10)
        mnist.train.labels.forEach { trainCounts[Int($0)] += 1 }
        mnist.test.labels.forEach { testCounts[Int($0)] += 1 }
        #expect(trainCounts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(testCounts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        #expect(Array(mnist.train.labels.prefix(5)) == [5, 0, 4, 1, 9])
        let mean = Double(mnist.train.pixels.reduce(0) { $0 + Int($1) }) / Double(mnist.train.pixels.count) / 255
        #expect(abs(mean - 0.1307) < 0.00005)
    }

    @Test func testSetAloneLoadsTheSameImages() throws {
        let test = try MNIST.loadTest(from: SharedData.mnist)
        #expect(test.pixels == (try Self.data.get()).test.pixels)
    }

    @Test func kerasCacheNpzIsReadToo() throws {
        let mnist = try MNIST.load(from: SharedData.fixture("mini-mnist.npz"))
        #expect(mnist.train.count == 3 && mnist.test.count == 2)
        #expect(mnist.train.labels == [5, 0, 4])
        #expect(mnist.test.pixels[0..<4] == [0, 1, 2, 3])
    }

    @Test func theDataFolderComesFromTheGivenPlaceThenTheEnvironmentThenKerasCache() throws {
        #expect(try MNIST.locate(given: SharedData.mnist, environment: [:]) == SharedData.mnist)
        #expect(try MNIST.locate(given: nil, environment: ["MNIST_DIR": SharedData.mnist]) == SharedData.mnist)
        let home = try TemporaryFolder()
        let error = #expect(throws: MNISTError.self) { try MNIST.locate(given: nil, environment: ["HOME": home.url.path]) }
        #expect(error?.description.contains("$MNIST_DIR (not set)") == true)
        #expect(error?.description.contains(".keras/datasets/mnist.npz (missing)") == true)
        #expect(error?.description.contains("Give a folder with train-images-idx3-ubyte.gz") == true)
        #expect(error?.description.contains("--") == false, "a library error names no command-line flag")
        #expect(throws: MNISTError.self) { try MNIST.locate(given: "/nonexistent", environment: ["MNIST_DIR": SharedData.mnist]) }
    }

    @Test func damagedIDXFilesAreRefusedWithTheirName() throws {
        let folder = try TemporaryFolder()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: SharedData.mnist + "/t10k-labels-idx1-ubyte.gz"))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: folder.path("t10k-labels-idx1-ubyte.gz")))
        try FileManager.default.copyItem(atPath: SharedData.mnist + "/t10k-images-idx3-ubyte.gz",
                                         toPath: folder.path("t10k-images-idx3-ubyte.gz"))
        let error = #expect(throws: MNISTError.self) { try MNIST.loadTest(from: folder.url.path) }
        #expect(error?.file.hasSuffix("t10k-labels-idx1-ubyte.gz") == true)
    }

    @Test func pictureFilesBecomeMNISTStyleSamples() throws {
        let folder = try TemporaryFolder()
        // A dark 2x-size digit on light paper, as PGM and as PNG.
        let digit = try Self.data.get().test.prefix(1)
        var big = [UInt8](repeating: 0, count: 56 * 56)
        for y in 0..<56 { for x in 0..<56 { big[y * 56 + x] = 255 - digit.pixels[(y / 2) * 28 + x / 2] } }
        let pgm = folder.path("digit.pgm")
        try Data(Array("P5\n# a comment\n56 56\n255\n".utf8) + big).write(to: URL(fileURLWithPath: pgm))
        let png = folder.path("digit.png")
        try writeGrayPNG(big, width: 56, height: 56, to: png)
        for path in [pgm, png] {
            let (image, inverted) = try DigitImageFile.load(path)
            #expect(inverted)
            #expect(image.rows == 28 && image.columns == 28)
            let difference = zip(image.pixels, digit.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 255
            #expect(difference <= 1, "\(path)")
        }
        let text = folder.path("not-an-image.png")
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: MNISTError.self) { try DigitImageFile.load(text) }
    }
}
