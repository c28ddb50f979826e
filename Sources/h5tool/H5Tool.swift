import ArgumentParser
import CommandLineSupport

/// `h5tool`: look inside HDF5 files, with extra understanding of Keras model and weight files.
struct H5Tool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "h5tool",
        abstract: "Inspect HDF5 files, especially Keras model and weight files (.h5, .weights.h5, .keras).",
        discussion: """
            Exit status: 0 on success, 1 when a file is missing, unreadable, not HDF5 or damaged \
            (one line on stderr says which file and what is wrong), 2 on a usage error.

            Examples:
              h5tool dump LeNet5.h5                      Keras summary, then every group, dataset and attribute
              h5tool dump LeNet5.h5 /model_weights/dense  just one object and what is under it
              h5tool dump model.weights.h5 --values      also first values, min, max, mean and NaN count
              h5tool dump model.keras --json | jq .keras.parameters
              h5tool ls LeNet5.h5                        one line per object, like h5ls -r
              h5tool diff LeNet5.h5 lenet5.keras         compare weights across forms (exit 0 equal, 1 differ)
            """,
        subcommands: [Dump.self, List.self, Diff.self])
}
