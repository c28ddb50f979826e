import Architectures
import Foundation
import KerasFormat
import NeuralNet
import TestSupport
import Testing

/// Killing keras-swift in the middle of an export leaves the previous file as it was (or, once the new one is in
/// place, the complete export) and nothing else behind.
@Suite struct InterruptedExportTests {
    @Test func sigkillDuringAnExportKeepsThePreviousFile() throws {
        let folder = try TemporaryFolder()
        // A VGG model with Adam state: a 78 MB file, long enough to write that a kill lands mid-export.
        let source = folder.path("vgg.h5")
        let vgg = try Architecture.vgg.makeModel(seed: 1)
        try ModelWriter.save(vgg, optimizer: Adam(parameters: vgg.parameters), to: source)
        let target = folder.path("export.h5")
        try FileManager.default.copyItem(atPath: SharedData.reference("LeNet5.h5"), toPath: target)
        let before = try Data(contentsOf: URL(fileURLWithPath: target))
        var killedEarly = 0
        for delay in [0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.6] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: BuiltTool.path("keras-swift"))
            process.arguments = ["convert", source, target]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            process.environment = ProcessInfo.processInfo.environment.merging(["KERAS_SWIFT_NO_PROBE": "1"]) { $1 }
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                killedEarly += 1
            }
            process.waitUntilExit()
            let after = try Data(contentsOf: URL(fileURLWithPath: target))
            // A kill that lands after the new file was renamed into place (the process still exiting) leaves the
            // complete export; any other kill must leave the previous file. (Booleans, not `==` on the bytes: a
            // failed comparison of two large Data values sends the test library into a diff that never ends.)
            if process.terminationReason == .uncaughtSignal && after != before {
                let exported = try? ModelLoader.load(target).model
                #expect(exported?.parameterCount == vgg.parameterCount,
                        "killed after \(delay) s: the file is neither the previous one nor a complete export")
            }
            let strays = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.contains(".tmp-") }
            #expect(strays.isEmpty, "killed after \(delay) s: left \(strays)")
            if process.terminationReason == .exit { break }  // the export finished: later delays prove nothing more
        }
        #expect(killedEarly > 0, "no export was interrupted")
    }
}
