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

/// A PNG read through libpng in the layout it was written in: 1 (grey), 2, 3 (RGB) or 4 values per pixel.
public func readPNG(_ path: String) throws -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    struct PNGReadError: Error {}
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    guard png_image_begin_read_from_file(&image, path) != 0 else { throw PNGReadError() }
    defer { png_image_free(&image) }
    // Keep only the alpha and colour flags: 8 bits per value, no colour map.
    image.format &= UInt32(PNG_FORMAT_FLAG_ALPHA | PNG_FORMAT_FLAG_COLOR)
    let channels = Int(image.format) + 1
    let width = Int(image.width), height = Int(image.height)
    var pixels = [UInt8](repeating: 0, count: width * height * channels)
    guard png_image_finish_read(&image, nil, &pixels, Int32(width * channels), nil) != 0 else { throw PNGReadError() }
    return (width, height, channels, pixels)
}
