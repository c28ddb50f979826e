import Foundation

/// Where the tests find the team's shared read-only data: the real Keras files and MNIST.
///
/// `$KERAS_SWIFT_SHARED` wins; otherwise `../shared` beside the repository is used.
public enum SharedData {
    /// The repository root, found from this source file's path.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared folder holding `keras-reference/` and `data/mnist/`.
    public static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["KERAS_SWIFT_SHARED"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")
    }()

    /// A real file written by the original notebooks, e.g. `LeNet5.h5`.
    public static func reference(_ name: String) -> String {
        directory.appendingPathComponent("keras-reference").appendingPathComponent(name).path
    }

    /// The genuine MNIST folder (gzipped IDX files).
    public static var mnist: String { directory.appendingPathComponent("data/mnist").path }

    /// A file committed under `fixtures/`.
    public static func fixture(_ name: String) -> String {
        repositoryRoot.appendingPathComponent("fixtures").appendingPathComponent(name).path
    }
}

/// A fresh folder under the system's temporary folder, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("keras-swift-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of a file named `name` in this folder.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit { try? FileManager.default.removeItem(at: url) }
}
