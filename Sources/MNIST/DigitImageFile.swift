import CPNG
import Foundation

/// Reads a single digit picture (PNG through libpng, or PGM) as 8-bit grayscale and brings it to MNIST's
/// form: 28x28, white digit on black.
public enum DigitImageFile {
    /// A grayscale picture.
    public struct Gray: Sendable {
        /// Columns.
        public let width: Int
        /// Rows.
        public let height: Int
        /// Row-major gray values, 0 black to 255 white.
        public let pixels: [UInt8]
    }

    /// The image prepared as one MNIST-style sample, and whether it was inverted (dark digit on light paper).
    public static func load(_ path: String, size: Int = 28) throws -> (image: DigitImages, inverted: Bool) {
        let gray = try read(path)
        var pixels = gray.width == size && gray.height == size ? gray.pixels : resample(gray, to: size)
        let inverted = borderMean(pixels, size: size) > 127
        if inverted { pixels = pixels.map { 255 - $0 } }
        return (DigitImages(count: 1, rows: size, columns: size, pixels: pixels, labels: [0]), inverted)
    }

    /// Decodes PNG or PGM (P2/P5), chosen by the file's signature.
    public static func read(_ path: String) throws -> Gray {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MNISTError(file: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        let bytes = [UInt8](data)
        if bytes.starts(with: [0x89, 0x50, 0x4e, 0x47]) { return try readPNG(path) }
        if bytes.count > 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "2") {
            return try readPGM(bytes, path: path)
        }
        throw MNISTError(file: path, reason: "is neither a PNG nor a PGM image")
    }

    private static func readPNG(_ path: String) throws -> Gray {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw MNISTError(file: path, reason: "unreadable PNG (\(PNGFile.message(of: image)))")
        }
        defer { png_image_free(&image) }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width * height <= 64 << 20 else {
            throw MNISTError(file: path, reason: "PNG of \(width)x\(height) pixels is not usable")
        }
        image.format = UInt32(PNG_FORMAT_GRAY)
        var pixels = [UInt8](repeating: 0, count: width * height)
        var white = png_color(red: 255, green: 255, blue: 255)
        guard png_image_finish_read(&image, &white, &pixels, Int32(width), nil) != 0 else {
            throw MNISTError(file: path, reason: "damaged PNG (\(PNGFile.message(of: image)))")
        }
        return Gray(width: width, height: height, pixels: pixels)
    }

    /// Binary (P5) or plain (P2) PGM with any maxval up to 65535, scaled to 0...255.
    static func readPGM(_ bytes: [UInt8], path: String) throws -> Gray {
        var index = 2
        func token() throws -> Int {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != 0x0a { index += 1 }
                } else if [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) {
                    index += 1
                } else {
                    break
                }
            }
            let start = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            guard index > start, let value = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else {
                throw MNISTError(file: path, reason: "malformed PGM header")
            }
            return value
        }
        let binary = bytes[1] == UInt8(ascii: "5")
        let width = try token(), height = try token(), maxval = try token()
        guard width > 0, height > 0, let pixels = byteCount([width, height], itemSize: 1), pixels <= 64 << 20, (1...65535).contains(maxval) else {
            throw MNISTError(file: path, reason: "PGM of \(width)x\(height) with maxval \(maxval) is not usable")
        }
        var values: [Int] = []
        values.reserveCapacity(width * height)
        if binary {
            index += 1
            let size = maxval > 255 ? 2 : 1
            guard bytes.count - index >= width * height * size else { throw MNISTError(file: path, reason: "truncated PGM data") }
            for pixel in 0..<width * height {
                let at = index + pixel * size
                values.append(size == 2 ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : Int(bytes[at]))
            }
        } else {
            for _ in 0..<width * height { values.append(try token()) }
        }
        return Gray(width: width, height: height, pixels: values.map { UInt8(min(maxval, $0) * 255 / maxval) })
    }

    /// Box-filter resampling to size × size: each output pixel averages the input area it covers.
    static func resample(_ image: Gray, to size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size * size)
        let scaleX = Double(image.width) / Double(size), scaleY = Double(image.height) / Double(size)
        for y in 0..<size {
            let y0 = Double(y) * scaleY, y1 = Double(y + 1) * scaleY
            for x in 0..<size {
                let x0 = Double(x) * scaleX, x1 = Double(x + 1) * scaleX
                var sum = 0.0, area = 0.0
                for sy in Int(y0)..<min(image.height, Int(y1.rounded(.up))) {
                    let wy = min(y1, Double(sy + 1)) - max(y0, Double(sy))
                    for sx in Int(x0)..<min(image.width, Int(x1.rounded(.up))) {
                        let w = wy * (min(x1, Double(sx + 1)) - max(x0, Double(sx)))
                        sum += w * Double(image.pixels[sy * image.width + sx])
                        area += w
                    }
                }
                out[y * size + x] = UInt8(min(255, (sum / max(area, 1e-9)).rounded()))
            }
        }
        return out
    }

    private static func borderMean(_ pixels: [UInt8], size: Int) -> Double {
        var sum = 0, count = 0
        for i in 0..<size {
            for (x, y) in [(i, 0), (i, size - 1), (0, i), (size - 1, i)] {
                sum += Int(pixels[y * size + x])
                count += 1
            }
        }
        return Double(sum) / Double(count)
    }
}
