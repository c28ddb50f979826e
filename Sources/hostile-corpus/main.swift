import Foundation
import HostileCorpus

// Writes the hostile-file corpus the robustness tests use into a folder, for fuzzing seeds or inspection:
//   hostile-corpus FOLDER [KERAS_REFERENCE_FOLDER]
let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: hostile-corpus FOLDER [KERAS_REFERENCE_FOLDER]\n".utf8))
    exit(2)
}
let references = arguments.count > 2 ? arguments[2] : "../shared/keras-reference"
do {
    try FileManager.default.createDirectory(atPath: arguments[1], withIntermediateDirectories: true)
    let cases = try HostileCorpus.write(into: arguments[1], references: references)
    print("wrote \(cases.count) hostile files into \(arguments[1])")
} catch {
    FileHandle.standardError.write(Data("hostile-corpus: error: \(error)\n".utf8))
    exit(1)
}
