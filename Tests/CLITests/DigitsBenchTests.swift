import Foundation
import TestSupport
import Testing

/// `digits bench --json`, the form other tools read. Speed itself is never asserted: only that every figure
/// the benchmark promises is there and is a positive number.
@Suite struct DigitsBenchTests {
    @Test func jsonHasEveryPromisedFigure() throws {
        let output = try BuiltTool.run("digits", ["bench", "--arch", "lenet5", "--seconds", "0.2", "--json", "--data", SharedData.mnist])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count == 1, "one JSON object per line: \(output.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(json["arch"] as? String == "lenet5")
        for key in ["train_images_per_s", "infer_images_per_s", "latency_ms", "peak_rss_mb", "h5_load_s", "h5_save_s",
                    "train_gflops", "infer_gflops", "peak_gflops"] {
            let value = try #require(json[key] as? Double, "\(key) missing")
            #expect(value > 0, "\(key) = \(value)")
        }
    }
}
