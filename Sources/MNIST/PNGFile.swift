import CPNG
import SafeWrite

/// Writes 8-bit PNG images through libpng's simplified API: grey, grey with alpha, RGB or RGBA, replacing the
/// file only once it is complete.
public enum PNGFile {
    /// Writes `pixels` (row-major, `channels` values per pixel: 1 grey, 2 grey and alpha, 3 RGB, 4 RGBA) as a
    /// `width` × `height` PNG at `path`.
    public static func write(_ pixels: [UInt8], width: Int, height: Int, channels: Int, to path: String) throws {
        guard (1...4).contains(channels), width > 0, height > 0, width <= 1 << 20, height <= 1 << 20,
              pixels.count == width * height * channels else {
            throw MNISTError(file: path, reason: "cannot write \(pixels.count) values as a \(width)x\(height) PNG of \(channels) channels")
        }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = (channels >= 3 ? UInt32(PNG_FORMAT_FLAG_COLOR) : 0) | (channels % 2 == 0 ? UInt32(PNG_FORMAT_FLAG_ALPHA) : 0)
        let stride = Int32(width * channels)
        // First the size libpng needs, then the image into that much memory.
        var size = 0
        guard png_image_write_to_memory(&image, nil, &size, 0, pixels, stride, nil) != 0 else {
            throw MNISTError(file: path, reason: "libpng cannot encode it (\(message(of: image)))")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        guard png_image_write_to_memory(&image, &bytes, &size, 0, pixels, stride, nil) != 0 else {
            throw MNISTError(file: path, reason: "libpng cannot encode it (\(message(of: image)))")
        }
        try AtomicFile.write(Array(bytes.prefix(size)), to: path)
    }

    /// libpng's message about a failed operation on `image`.
    static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
