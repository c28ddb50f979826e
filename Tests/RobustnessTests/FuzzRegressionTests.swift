import Foundation
import Architectures
import KerasFormat
import NeuralNet
import TestSupport
import Testing
import ZIPFoundation

/// Inputs the fuzzer found crashing libhdf5: the tools refuse them (the probe process takes the crash)
/// with one line, as a plain file and inside a `.keras` archive, whose weights are read from memory.
@Suite struct FuzzRegressionTests {
    @Test func everyFuzzFindingIsRefusedWithoutACrash() throws {
        let regressions = try FuzzRegression.all()
        #expect(!regressions.isEmpty)
        let folder = try TemporaryFolder()
        for regression in regressions {
            let plain = folder.path(regression.name + ".h5")
            try Data(regression.bytes).write(to: URL(fileURLWithPath: plain))
            let archive = folder.path(regression.name + ".keras")
            let zip = try Archive(url: URL(fileURLWithPath: archive), accessMode: .create)
            let config = Data(ConfigWriter.archiveConfig(try Architecture.lenet5.makeModel(), optimizer: nil).pythonJSON.utf8)
            for (member, data) in [("config.json", config), ("model.weights.h5", Data(regression.bytes))] {
                try zip.addEntry(with: member, type: .file, uncompressedSize: Int64(data.count)) { position, size in
                    data.subdata(in: Int(position)..<Int(position) + size)
                }
            }
            for path in [plain, archive] {
                for arguments in [["h5tool", "dump", path], ["keras-swift", "evaluate", path, "--data", SharedData.mnist]] {
                    let output = try BuiltTool.run(arguments[0], Array(arguments.dropFirst()))
                    #expect(output.status == 1, "\(arguments): exit \(output.status)")
                    #expect(output.stderr.split(separator: "\n").count == 1, "\(arguments): \(output.stderr)")
                    #expect(output.stderr.contains(path), "\(arguments): \(output.stderr)")
                }
            }
        }
    }
}
