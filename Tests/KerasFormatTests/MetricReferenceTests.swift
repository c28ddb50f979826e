import Foundation
import KerasFormat
import NeuralNet
import TestSupport
import Testing

/// Every metric, by name and as configured objects, against Keras itself (fixtures/keras-metrics.json, written
/// by `tools/keras_interop.py metric-reference`): each read as Keras's compile config lists it, then
/// evaluated through a model that passes its input through, in batches of 4 over two workers, as a metric
/// and as a weighted metric, with the sample weights given to both.
@Suite struct MetricReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let metric: String
        let name: String
        let kind: String
        let shape: [Int]
        let outputs: [Float], targets: [Float], sampleWeights: [Float]
        let plain: Double, weighted: Double?
        var testDescription: String { "\(metric) on \(kind)" }
    }

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("keras-metrics.json"))),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = json["cases"] as? [[String: Any]] else { return [] }
        func floats(_ value: Any?) -> [Float] { (value as? [NSNumber] ?? []).map(\.floatValue) }
        return cases.map { item in
            let metric = item["metric"].flatMap { $0 as? String }
                ?? String(decoding: try! JSONSerialization.data(withJSONObject: item["metric"]!, options: [.sortedKeys]), as: UTF8.self)
            return Case(metric: metric, name: item["name"] as? String ?? "", kind: item["kind"] as? String ?? "",
                        shape: (item["shape"] as? [NSNumber] ?? []).map(\.intValue), outputs: floats(item["outputs"]),
                        targets: floats(item["targets"]), sampleWeights: floats(item["sample_weights"]),
                        plain: (item["plain"] as? NSNumber)?.doubleValue ?? .nan, weighted: (item["weighted"] as? NSNumber)?.doubleValue)
        }
    }()

    @Test func theReferenceHasEveryMetricClass() throws {
        let kinds = try Self.cases.map { try Metric(kerasConfig: Self.json($0.metric)).kind }
        for (name, kind) in Metric.classes {
            #expect(kinds.contains { Self.sameClass($0, kind) }, "no case of \(name)")
        }
    }

    @Test(arguments: cases)
    func theMetricIsKeras(_ item: Case) throws {
        let count = item.shape[0]
        let model = try Sequential(inputShape: Array(item.shape.dropFirst()), layers: [ActivationLayer(.linear)], workerCount: 2)
        model.loss = item.kind.hasPrefix("sparse") ? .sparseCategoricalCrossentropy : .meanSquaredError
        for (weighted, expected) in [(false, item.plain), (true, item.weighted)] {
            guard let expected else { continue }
            let metric = try Metric(kerasConfig: Self.json(item.metric), weighted: weighted)
            #expect(metric.name == item.name)
            try model.setMetrics([[metric]])
            // The sample weights are given either way: a metric that is not weighted ignores them, as in Keras.
            let data = try Samples(count: count, inputs: [item.outputs], targets: [item.targets], sampleWeights: item.sampleWeights)
            let value = try #require(try model.evaluate(data, batchSize: 4).scores[item.name])
            #expect(abs(value - expected) <= 1e-5 * max(1, abs(expected)), "\(weighted ? "weighted" : "plain"): \(value), Keras \(expected)")
        }
    }

    /// A case's metric as its compile config holds it.
    static func json(_ text: String) throws -> JSONValue {
        text.hasPrefix("{") ? try JSONParser.parse(text) : .string(text)
    }

    /// Whether two kinds are of one Keras class.
    static func sameClass(_ a: Metric.Kind, _ b: Metric.Kind) -> Bool {
        switch (a, b) {
        case (.mean(let x), .mean(let y)): return x.kind == y.kind
        default: return String(describing: a).prefix(while: { $0 != "(" }) == String(describing: b).prefix(while: { $0 != "(" })
        }
    }
}
