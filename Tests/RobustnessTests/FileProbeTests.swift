import FileProbe
import Foundation
import KerasFormat
import TestSupport
import Testing

/// How a probe child's end is reported: a failed Swift check as this project's bug, a crash while only
/// libhdf5 reads as libhdf5's, each with the stage the child had reached; and a model config is probed too.
@Suite struct FileProbeTests {
    /// A stand-in probe child that announces `stage` and then kills itself with `signal`. The script is written
    /// through a descriptor closed on exec: a process another test spawns meanwhile would otherwise inherit it
    /// open for writing, and starting the script would then fail with ETXTBSY (the probe then runs no child).
    static func child(announcing stage: String, signal: String, in folder: TemporaryFolder) throws -> String {
        let path = folder.path("child-\(signal).sh")
        let script = Array("#!/bin/sh\necho '\(stage)'\nkill -\(signal) $$\n".utf8)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        defer { close(descriptor) }
        guard write(descriptor, script, script.count) == script.count else { throw POSIXError(.EIO) }
        return path
    }

    @Test func aFailedSwiftCheckIsReportedAsThisProjectsBugWithItsStage() throws {
        let folder = try TemporaryFolder()
        let executable = try Self.child(announcing: "building the model from it", signal: "ILL", in: folder)
        #expect(throws: KerasFormatError(file: "model.h5", .probeCrashed(signal: 4, stage: "building the model from it", inLibhdf5: false))) {
            try FileProbe.check("model.h5", executable: executable)
        }
        let message = KerasFormatError(file: "model.h5", .probeCrashed(signal: 4, stage: "building the model from it", inLibhdf5: false)).description
        #expect(message == "model.h5: stopped keras-swift on a failed internal check (signal 4) while building the model from it: "
                + "a bug in keras-swift, please report it with this file; refusing it")
    }

    @Test func aCrashWhileLibhdf5ReadsIsReportedAsLibhdf5s() throws {
        let folder = try TemporaryFolder()
        let executable = try Self.child(announcing: "reading its HDF5 structure", signal: "SEGV", in: folder)
        #expect(throws: KerasFormatError(file: "model.h5", .probeCrashed(signal: 11, stage: "reading its HDF5 structure", inLibhdf5: true))) {
            try FileProbe.check("model.h5", executable: executable)
        }
        #expect(KerasFormatError(file: "model.h5", .probeCrashed(signal: 11, stage: "reading its HDF5 structure", inLibhdf5: true)).description
                == "model.h5: is damaged: reading it crashed libhdf5 (signal 11) while reading its HDF5 structure; refusing it")
    }

    /// `train --model` probes its config: the child builds the model from it.
    @Test func aModelConfigIsProbedByBuildingItsModel() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("model.json")
        try #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "in"}}, {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}}"#
            .write(toFile: path, atomically: true, encoding: .utf8)
        let output = try BuiltTool.run("keras-swift", [FileProbe.subcommand, path])
        #expect(output.status == 0 && output.stdout == "building the model from its config\n", "\(output.stdout) \(output.stderr)")
    }
}
