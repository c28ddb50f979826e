import Foundation
import NumPy

/// Grayscale digit images and their labels, as stored: uint8 pixels, row-major, one image after another.
public struct DigitImages: Sendable {
    /// The number of images.
    public let count: Int
    /// Rows per image.
    public let rows: Int
    /// Columns per image.
    public let columns: Int
    /// Every image's pixels, row-major, one after the other.
    public let pixels: [UInt8]
    /// Each image's digit.
    public let labels: [UInt8]

    /// Images from their parts; `pixels` holds `count * rows * columns` values.
    public init(count: Int, rows: Int, columns: Int, pixels: [UInt8], labels: [UInt8]) {
        self.count = count
        self.rows = rows
        self.columns = columns
        self.pixels = pixels
        self.labels = labels
    }

    /// The first `n` images.
    public func prefix(_ n: Int) -> DigitImages {
        let n = min(n, count)
        return DigitImages(count: n, rows: rows, columns: columns, pixels: Array(pixels.prefix(n * rows * columns)),
                           labels: Array(labels.prefix(n)))
    }
}

/// The MNIST training and test sets.
public struct MNIST: Sendable {
    /// The 60,000 training images.
    public let train: DigitImages
    /// The 10,000 test images.
    public let test: DigitImages
    /// Where the data was read from, for messages.
    public let source: String

    static let imageFiles = ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte")
    static let labelFiles = ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte")

    /// Finds the data: `given` (a folder of IDX files, raw or gzipped, or of `mnist.npz`; or the npz itself),
    /// else `$MNIST_DIR`, else Keras's cache `~/.keras/datasets/mnist.npz`. The error says where it looked.
    public static func locate(given: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        var tried: [String] = []
        var candidates: [(String, String)] = []
        if let given { candidates.append(("the location given,", given)) }
        if let env = environment["MNIST_DIR"], !env.isEmpty { candidates.append(("$MNIST_DIR", env)) } else { tried.append("$MNIST_DIR (not set)") }
        let home = environment["HOME"] ?? NSHomeDirectory()
        candidates.append(("Keras's cache", home + "/.keras/datasets/mnist.npz"))
        for (origin, path) in candidates {
            if isDataSource(path) { return path }
            tried.append("\(origin) \(path) (\(FileManager.default.fileExists(atPath: path) ? "no MNIST files in it" : "missing"))")
            if origin == "the location given," { break }
        }
        throw MNISTError(file: "", reason: "MNIST data not found; looked at " + tried.joined(separator: ", ")
                         + ". Give a folder with train-images-idx3-ubyte.gz and the other three IDX files, "
                         + "or with mnist.npz, or set MNIST_DIR")
    }

    private static func isDataSource(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return false }
        if !isDirectory.boolValue { return path.hasSuffix(".npz") }
        return idxPath(in: path, imageFiles.1) != nil || FileManager.default.fileExists(atPath: path + "/mnist.npz")
    }

    /// `name.gz` or `name` in `folder`, whichever exists.
    private static func idxPath(in folder: String, _ name: String) -> String? {
        for candidate in ["\(folder)/\(name).gz", "\(folder)/\(name)"] where FileManager.default.fileExists(atPath: candidate) {
            return candidate
        }
        return nil
    }

    /// Loads MNIST from a location ``locate(flag:environment:)`` returned.
    public static func load(from path: String) throws -> MNIST {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if !isDirectory.boolValue { return try loadNPZ(path) }
        if idxPath(in: path, imageFiles.1) == nil, FileManager.default.fileExists(atPath: path + "/mnist.npz") {
            return try loadNPZ(path + "/mnist.npz")
        }
        func required(_ name: String) throws -> String {
            guard let file = idxPath(in: path, name) else { throw MNISTError(file: "\(path)/\(name).gz", reason: "no such file") }
            return file
        }
        return MNIST(train: try loadIDX(images: required(imageFiles.0), labels: required(labelFiles.0)),
                     test: try loadIDX(images: required(imageFiles.1), labels: required(labelFiles.1)),
                     source: path)
    }

    /// Loads only the test set (what evaluate and predict need).
    public static func loadTest(from path: String) throws -> DigitImages {
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if isDirectory.boolValue, let images = idxPath(in: path, imageFiles.1), let labels = idxPath(in: path, labelFiles.1) {
            return try loadIDX(images: images, labels: labels)
        }
        return try load(from: path).test
    }

    static func loadIDX(images: String, labels: String) throws -> DigitImages {
        let (dims, pixels) = try IDX.decode(try GzipReader.read(images, limit: 256 << 20), dimensions: 3, file: images)
        let (labelDims, labelBytes) = try IDX.decode(try GzipReader.read(labels, limit: 16 << 20), dimensions: 1, file: labels)
        guard labelDims[0] == dims[0] else {
            throw MNISTError(file: labels, reason: "has \(labelDims[0]) labels for \(dims[0]) images in \(images)")
        }
        if let bad = labelBytes.first(where: { $0 > 9 }) { throw MNISTError(file: labels, reason: "label \(bad) is not a digit") }
        return DigitImages(count: dims[0], rows: dims[1], columns: dims[2], pixels: pixels, labels: labelBytes)
    }

    static func loadNPZ(_ path: String) throws -> MNIST {
        let arrays: [String: NumpyArray]
        do {
            arrays = Dictionary(try NumpyArchive.read(path).map { ($0.name, $0.array) }, uniquingKeysWith: { first, _ in first })
        } catch let error as NumpyError {
            throw MNISTError(file: error.file, reason: error.reason)
        }
        func array(_ name: String) throws -> NumpyArray {
            guard let array = arrays[name] else { throw MNISTError(file: path, reason: "has no \(name).npy") }
            return array
        }
        func split(_ x: String, _ y: String) throws -> DigitImages {
            let images = try array(x)
            let labels = try array(y)
            guard images.shape.count == 3, images.elementType == .uint8, labels.elementType.isInteger, labels.shape.count == 1,
                  labels.shape[0] == images.shape[0] else {
                throw MNISTError(file: path, reason: "\(x) must be uint8 (n, rows, cols) and \(y) integers (n,); found "
                                 + "\(images.elementType.name) \(images.shape) and \(labels.elementType.name) \(labels.shape)")
            }
            let values = try labels.integers()
            guard values.allSatisfy({ (0...9).contains($0) }) else { throw MNISTError(file: path, reason: "\(y) holds a label outside 0...9") }
            return DigitImages(count: images.shape[0], rows: images.shape[1], columns: images.shape[2],
                               pixels: images.data, labels: values.map { UInt8($0) })
        }
        return MNIST(train: try split("x_train", "y_train"), test: try split("x_test", "y_test"), source: path)
    }
}
