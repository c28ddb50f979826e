import CPNG

/// Writes an 8-bit grayscale PNG through libpng, for tests of image input.
public func writeGrayPNG(_ pixels: [UInt8], width: Int, height: Int, to path: String) throws {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    image.width = UInt32(width)
    image.height = UInt32(height)
    image.format = UInt32(PNG_FORMAT_GRAY)
    guard png_image_write_to_file(&image, path, 0, pixels, Int32(width), nil) != 0 else {
        struct PNGWriteError: Error {}
        throw PNGWriteError()
    }
}
