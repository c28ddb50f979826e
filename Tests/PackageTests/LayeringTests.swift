import Foundation
import KerasFormat
import TestSupport
import Testing

/// The package's shape: arrows between modules point down only (as declared and as imported), only the
/// public modules are products, no target needs unsafe flags, and each Keras layer class is spelled in two
/// source files at most (its layer and its codec).
@Suite struct LayeringTests {
    /// What each library module may depend on, bottom up (../shared/DESIGN.md).
    static let allowed: [String: Set<String>] = [
        "CKernels": [],
        "HDF5": ["CHDF5"],
        "NeuralNet": ["CKernels", "CBLAS"],
        "SafeWrite": [],
        "NumPy": ["SafeWrite", "ZIPFoundation"],
        "Safetensors": ["SafeWrite"],
        "ONNX": ["NeuralNet"],
        "MNIST": ["CGzip", "CPNG", "NumPy", "SafeWrite"],
        "KerasFormat": ["HDF5", "NeuralNet", "Safetensors", "SafeWrite", "ZIPFoundation", "CGzip"],
        "Architectures": ["NeuralNet", "MNIST", "KerasFormat"],
        "KerasSwift": ["HDF5", "NeuralNet", "NumPy", "Safetensors", "ONNX", "KerasFormat", "SafeWrite"],
    ]
    /// Modules of the platform any target may import.
    static let system: Set<String> = ["Foundation", "Dispatch", "Glibc", "Darwin"]
    static let products: Set<String> = ["KerasSwift", "HDF5", "NeuralNet", "NumPy", "Safetensors", "ONNX", "MNIST", "KerasFormat", "Architectures", "h5tool",
                                        "keras-swift", "_KerasFuzz", "_KerasConfigFuzz"]

    /// `swift package dump-package` of this package, read with a scratch folder of its own so that it does not
    /// wait for the build folder that the running tests hold.
    static func manifest() throws -> [String: Any] {
        let scratch = try TemporaryFolder()
        let output = try runProcess("/usr/bin/env", ["swift", "package", "--scratch-path", scratch.url.path, "dump-package"],
                                    currentDirectory: SharedData.repositoryRoot.path)
        guard output.status == 0, let json = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any] else {
            throw ManifestError(message: output.stderr)
        }
        return json
    }

    struct ManifestError: Error { let message: String }

    static func targets() throws -> [[String: Any]] { try manifest()["targets"] as? [[String: Any]] ?? [] }

    /// The names a target depends on, whether targets, products or either.
    static func dependencies(of target: [String: Any]) -> Set<String> {
        Set((target["dependencies"] as? [[String: Any]] ?? []).compactMap { dependency in
            dependency.values.compactMap { ($0 as? [Any])?.first as? String }.first
        })
    }

    @Test func libraryModulesDependOnlyOnModulesBelowThem() throws {
        for target in try Self.targets() {
            guard let name = target["name"] as? String, let allowed = Self.allowed[name] else { continue }
            let extra = Self.dependencies(of: target).subtracting(allowed)
            #expect(extra.isEmpty, "\(name) depends on \(extra.sorted()), above it or beside it")
        }
    }

    @Test func libraryModulesImportOnlyWhatTheyMayDependOn() throws {
        let sources = SharedData.repositoryRoot.appendingPathComponent("Sources")
        for (module, allowed) in Self.allowed {
            let folder = sources.appendingPathComponent(module)
            let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
            for file in files {
                let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
                for line in text.split(separator: "\n") {
                    let words = line.split(separator: " ").map(String.init)
                    guard let index = words.firstIndex(of: "import"), index <= 1, index + 1 < words.count else { continue }
                    let imported = words[index + 1]
                    #expect(allowed.contains(imported) || Self.system.contains(imported), "\(module)/\(file) imports \(imported)")
                }
            }
        }
    }

    @Test func importingKerasSwiftLinksNeitherMNISTNorPresetsNorLibpng() throws {
        let targets = try Self.targets()
        let byName = Dictionary(targets.compactMap { target in (target["name"] as? String).map { ($0, target) } }, uniquingKeysWith: { a, _ in a })
        var reached: Set<String> = [], pending = ["KerasSwift"]
        while let name = pending.popLast() {
            guard reached.insert(name).inserted, let target = byName[name] else { continue }
            pending += Self.dependencies(of: target)
        }
        #expect(reached.isDisjoint(with: ["MNIST", "Architectures", "CPNG"]), "KerasSwift reaches \(reached.sorted())")
    }

    @Test func onlyThePublicModulesAreProducts() throws {
        let products = try Self.manifest()["products"] as? [[String: Any]] ?? []
        let names = Set(products.compactMap { $0["name"] as? String })
        #expect(names == Self.products)
    }

    @Test func noTargetNeedsUnsafeFlags() throws {
        for target in try Self.targets() {
            let settings = target["settings"] as? [[String: Any]] ?? []
            let unsafe = settings.filter { setting in
                (setting["kind"] as? [String: Any])?.keys.contains("unsafeFlags") == true
            }
            #expect(unsafe.isEmpty, "\(target["name"] ?? "?") uses unsafe flags, which a package depending on this one refuses")
        }
    }

    /// The operators of the ONNX standard (ai.onnx) whose names are also Keras class names.
    static let onnxOperatorsNamedAsKerasClasses: Set<String> = ["Add", "BatchNormalization", "Dropout", "Flatten", "GRU", "Identity",
                                                                "LSTM", "LayerNormalization", "RNN", "Reshape", "Softmax"]

    @Test func eachLayerClassIsSpelledInItsLayerAndItsCodecOnly() throws {
        let sources = SharedData.repositoryRoot.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") } ?? []
        let texts = try files.map { ($0, try String(contentsOf: sources.appendingPathComponent($0), encoding: .utf8)) }
        #expect(LayerCodecs.classNames.count >= 7)
        for name in LayerCodecs.classNames + ["InputLayer"] {
            let spelled = texts.filter { $0.1.contains("\"\(name)\"") }.map(\.0)
            // The exporter writes ONNX operator names, which are ONNX's spellings, not Keras's classes.
            let asKerasClass = spelled.filter { !($0.hasPrefix("ONNX/") && Self.onnxOperatorsNamedAsKerasClasses.contains(name)) }
            #expect(asKerasClass.count <= 2, "\(name) is spelled in \(asKerasClass)")
        }
    }
}
