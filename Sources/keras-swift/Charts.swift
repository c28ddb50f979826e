import Foundation

/// Small self-contained SVG charts for training reports: no plotting library needed to view them.
enum Charts {
    struct Series {
        let label: String
        let color: String
        let values: [Double]
    }

    /// A line chart of series over the same points (epochs, numbered from 1, unless `xTicks` names them), with
    /// axes, ticks and a legend.
    static func lines(title: String, xLabel: String = "epoch", xTicks: [String]? = nil, yLabel: String, series: [Series]) -> String {
        let width = 640.0, height = 400.0
        let left = 70.0, right = 20.0, top = 40.0, bottom = 50.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let all = series.flatMap(\.values).filter(\.isFinite)
        let count = max(1, series.map(\.values.count).max() ?? 1)
        var low = all.min() ?? 0, high = all.max() ?? 1
        if high - low < 1e-9 { low -= 0.5; high += 0.5 }
        // Ticks at a round step (1, 2 or 5 times a power of ten), the axis widened to whole steps.
        let rough = (high - low) / 5
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? rough
        low = floor(low / step) * step
        high = ceil(high / step) * step
        func x(_ index: Int) -> Double { left + (count == 1 ? plotWidth / 2 : plotWidth * Double(index) / Double(count - 1)) }
        func y(_ value: Double) -> Double { top + plotHeight * (1 - (value - low) / (high - low)) }
        var svg = header(width: width, height: height, title: title)
        svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotWidth)\" height=\"\(plotHeight)\" fill=\"none\" stroke=\"#888\"/>\n"
        for value in stride(from: low, through: high + step / 2, by: step) {
            svg += "<line x1=\"\(left)\" x2=\"\(left + plotWidth)\" y1=\"\(y(value))\" y2=\"\(y(value))\" stroke=\"#eee\"/>\n"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(value) + 4)\" text-anchor=\"end\" font-size=\"11\">\(String(format: "%.4g", value))</text>\n"
        }
        let epochStep = max(1, count / 10)
        for index in stride(from: 0, to: count, by: epochStep) {
            let tick = xTicks.map { index < $0.count ? $0[index] : "" } ?? String(index + 1)
            svg += "<text x=\"\(x(index))\" y=\"\(top + plotHeight + 18)\" text-anchor=\"middle\" font-size=\"11\">\(escape(tick))</text>\n"
        }
        svg += "<text x=\"\(left + plotWidth / 2)\" y=\"\(height - 10)\" text-anchor=\"middle\" font-size=\"12\">\(escape(xLabel))</text>\n"
        svg += "<text x=\"16\" y=\"\(top + plotHeight / 2)\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 \(top + plotHeight / 2))\">\(escape(yLabel))</text>\n"
        for (number, line) in series.enumerated() {
            let points = line.values.enumerated().filter { $0.element.isFinite }
                .map { "\(String(format: "%.1f", x($0.offset))),\(String(format: "%.1f", y($0.element)))" }
            svg += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"/>\n"
            let legendY = top + 16 + Double(number) * 16
            svg += "<line x1=\"\(left + plotWidth - 150)\" x2=\"\(left + plotWidth - 130)\" y1=\"\(legendY - 4)\" y2=\"\(legendY - 4)\" stroke=\"\(line.color)\" stroke-width=\"2\"/>\n"
            svg += "<text x=\"\(left + plotWidth - 124)\" y=\"\(legendY)\" font-size=\"12\">\(escape(line.label))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// A confusion matrix heat map: rows are true labels, columns predictions, each cell with its count.
    static func confusionMatrix(title: String, counts: [[Int]]) -> String {
        let cell = 44.0, left = 70.0, top = 70.0
        let classes = counts.count
        let width = left + cell * Double(classes) + 30, height = top + cell * Double(classes) + 40
        let largest = Double(max(1, counts.flatMap { $0 }.max() ?? 1))
        var svg = header(width: width, height: height, title: title)
        for (row, line) in counts.enumerated() {
            for (column, count) in line.enumerated() {
                let shade = count == 0 ? 1 : 0.92 - 0.8 * (Double(count) / largest).squareRoot()
                let blue = String(format: "#%02x%02xff", Int(shade * 255), Int(shade * 255))
                let x = left + Double(column) * cell, y = top + Double(row) * cell
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell)\" height=\"\(cell)\" fill=\"\(blue)\" stroke=\"#fff\"/>\n"
                let ink = shade < 0.5 ? "#fff" : "#000"
                svg += "<text x=\"\(x + cell / 2)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"middle\" font-size=\"11\" fill=\"\(ink)\">\(count)</text>\n"
            }
            svg += "<text x=\"\(left - 8)\" y=\"\(top + Double(row) * cell + cell / 2 + 4)\" text-anchor=\"end\" font-size=\"12\">\(row)</text>\n"
            svg += "<text x=\"\(left + Double(row) * cell + cell / 2)\" y=\"\(top - 8)\" text-anchor=\"middle\" font-size=\"12\">\(row)</text>\n"
        }
        svg += "<text x=\"\(left + cell * Double(classes) / 2)\" y=\"\(top - 26)\" text-anchor=\"middle\" font-size=\"12\">predicted</text>\n"
        svg += "<text x=\"20\" y=\"\(top + cell * Double(classes) / 2)\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 20 \(top + cell * Double(classes) / 2))\">true label</text>\n"
        return svg + "</svg>\n"
    }

    private static func header(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\">\n"
            + "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
            + "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(escape(title))</text>\n"
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
