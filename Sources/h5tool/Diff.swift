import ArgumentParser
import Architectures
import CommandLineSupport
import FileProbe
import Foundation
import HDF5
import KerasFormat

/// `h5tool diff`: compares the weights (and optimizer state) of two Keras files of any form.
struct Diff: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare the weights of two Keras files (.h5, .weights.h5 or .keras, in any combination).",
        discussion: """
            Layers are matched the way Keras matches them when it loads weights: by position among the layers \
            that have weights when a legacy .h5 is involved, by saveable path (layers/dense_1/...) between two \
            .weights.h5 or .keras files. For each weight it prints the shapes and the largest absolute \
            difference; optimizer state is compared position by position.

            Exit status, as for diff(1): 0 when every weight is equal (within --tolerance), 1 when something \
            differs, 2 when a file cannot be read or the arguments are wrong.
            """)

    @Argument(help: "The first file.")
    var first: String

    @Argument(help: "The second file.")
    var second: String

    @Option(help: "Largest absolute difference still counted as equal (default 0: bit-identical values).")
    var tolerance: Double = 0

    @Flag(help: "Print only the summary line.")
    var quiet = false

    func run() throws {
        do {
            let equal = try compare()
            throw ExitCode(equal ? 0 : 1)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            ToolMain.printError(name: "h5tool", ToolMain.oneLine(error))
            throw ExitCode(2)
        }
    }

    private func compare() throws -> Bool {
        try FileProbe.check(first)
        try FileProbe.check(second)
        let a = try Side(path: first), b = try Side(path: second)
        var lines = ["A: \(a.label)", "B: \(b.label)"]
        let byPath = a.keyedByPath && b.keyedByPath
        lines.append(byPath ? "layers matched by saveable path, as Keras loads .weights.h5 and .keras files"
                     : "layers matched by position among layers with weights, as Keras loads legacy .h5 files")
        var pairs: [(StoredLayer?, StoredLayer?)] = []
        if byPath {
            let names = a.layers.map(\.name) + b.layers.map(\.name).filter { name in !a.layers.contains { $0.name == name } }
            pairs = names.map { name in (a.layers.first { $0.name == name }, b.layers.first { $0.name == name }) }
        } else {
            for index in 0..<max(a.layers.count, b.layers.count) {
                pairs.append((index < a.layers.count ? a.layers[index] : nil, index < b.layers.count ? b.layers[index] : nil))
            }
        }
        var compared = 0, differing = 0, unmatched = 0
        for (left, right) in pairs {
            guard let left, let right else {
                let only = left ?? right
                lines.append("  \(left == nil ? "B" : "A") only: layer \(only?.name ?? "?") with \(only?.weights.count ?? 0) weights")
                unmatched += 1
                continue
            }
            lines.append("  \(left.name) <-> \(right.name)")
            for index in 0..<max(left.weights.count, right.weights.count) {
                let x = index < left.weights.count ? left.weights[index] : nil
                let y = index < right.weights.count ? right.weights[index] : nil
                let (line, equal) = try compareWeights(x, y, a: a, b: b)
                lines.append("      " + line)
                compared += 1
                if !equal { differing += 1 }
            }
        }
        let (optimizerLines, optimizerEqual) = try compareOptimizers(a, b)
        lines += optimizerLines
        let verdict = differing == 0 && unmatched == 0 && optimizerEqual
        var problems = ["\(differing) of \(compared) weights differ"]
        if unmatched > 0 { problems.append("\(unmatched) layers have no counterpart") }
        if !optimizerEqual { problems.append("optimizer state differs") }
        lines.append(verdict ? "result: equal (\(compared) weights\(tolerance > 0 ? " within \(tolerance)" : ""))"
                     : "result: different (" + problems.joined(separator: "; ") + ")")
        print((quiet ? [lines.last ?? ""] : lines).joined(separator: "\n"))
        return verdict
    }

    private func compareWeights(_ x: StoredWeight?, _ y: StoredWeight?, a: Side, b: Side) throws -> (String, Bool) {
        guard let x, let y else {
            let only = x ?? y
            return ("\(x == nil ? "B" : "A") only: \(only?.name ?? "?") \(pythonShape(only?.shape ?? []))", false)
        }
        let label = x.name == y.name ? x.name : "\(x.name) <-> \(y.name)"
        guard x.shape == y.shape else {
            return ("\(label): shapes differ, \(pythonShape(x.shape)) and \(pythonShape(y.shape))", false)
        }
        let difference = try maximumDifference(try a.values(x), try b.values(y))
        let equal = difference <= tolerance
        let text = difference == 0 ? "equal" : "max |difference| \(formatNumber(difference))"
        return ("\(label) \(pythonShape(x.shape)): \(text)", equal)
    }

    private func compareOptimizers(_ a: Side, _ b: Side) throws -> ([String], Bool) {
        let x = a.inventory.optimizerWeights, y = b.inventory.optimizerWeights
        if x.isEmpty && y.isEmpty { return (["optimizer state: none in either file"], true) }
        guard x.count == y.count else {
            return (["optimizer state: A has \(x.count) variables, B has \(y.count) (a different optimizer or Keras layout)"], false)
        }
        var differing = 0
        var largest = 0.0
        for (left, right) in zip(x, y) {
            guard left.shape == right.shape else { differing += 1; continue }
            let difference = try maximumDifference(try a.values(left), try b.values(right))
            largest = max(largest, difference)
            if difference > tolerance { differing += 1 }
        }
        let summary = differing == 0 ? "equal" : "\(differing) differ (largest |difference| \(formatNumber(largest)))"
        return (["optimizer state: \(x.count) variables, \(summary)"], differing == 0)
    }

    private func maximumDifference(_ x: [Double], _ y: [Double]) throws -> Double {
        var largest = 0.0
        for (p, q) in zip(x, y) {
            if p.isNaN || q.isNaN {
                if p.isNaN != q.isNaN { return .infinity }
                continue
            }
            largest = max(largest, p == q ? 0 : abs(p - q))
        }
        return largest
    }

    /// One file: its layers with weights, in model order where that can be known.
    struct Side {
        let file: KerasFile
        let inventory: WeightInventory
        let layers: [StoredLayer]
        let root: Group

        init(path: String) throws {
            file = try KerasFile.open(path)
            var inventory = try file.inventory()
            if !inventory.layersInModelOrder, let preset = try? Architecture.recognize(inventory, file: path) {
                inventory = inventory.ordered(as: KerasNaming.saveableNames(classNames: preset.signature.map(\.className)))
            }
            self.inventory = inventory
            layers = inventory.layers.filter { !$0.weights.isEmpty }
            root = try file.hdf5.root
        }

        var keyedByPath: Bool { file.format == .weightsH5 || file.format == .kerasArchive }

        var label: String {
            "\(file.path) (\(file.format)\(file.kerasVersion.map { ", Keras \($0)" } ?? ""))"
        }

        func values(_ weight: StoredWeight) throws -> [Double] {
            try root.dataset(weight.path).read(Double.self)
        }
    }
}
