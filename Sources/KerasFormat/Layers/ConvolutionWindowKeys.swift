import NeuralNet

/// The config keys of a convolution's window, which every Keras convolution class of `rank` spatial axes has,
/// in the order `get_config` lists them: `kernel_size`, `strides`, `padding` (one of `paddings`),
/// `data_format` (channels_last only) and `dilation_rate`.
enum ConvolutionWindowKeys {
    static func keys<Layer: ConvolutionLayer>(rank: Int, paddings: [Padding] = [.valid, .same]) -> [ConfigKey<Layer>] {
        let ones = Array(repeating: 1, count: rank)
        return [
            ConfigKey("kernel_size", \.kernelSize, .sizes(rank: rank)), ConfigKey("strides", \.strides, .sizes(rank: rank), default: ones),
            ConfigKey("padding", \.padding, .padding(paddings), default: .valid), .channelsLast,
            ConfigKey("dilation_rate", \.dilationRate, .sizes(rank: rank), default: ones),
        ]
    }
}

extension ConvolutionWindowKeys {
    /// The window a config's keys hold, for the codec to build its layer with.
    struct Window {
        let kernel: [Int], strides: [Int], dilation: [Int]
        let padding: Padding

        /// A rank-2 setting as the 2-D layers' initializers take it.
        static func pair(_ sizes: [Int]) -> (Int, Int) { (sizes[0], sizes[1]) }
    }

    /// Reads the window keys of ``keys(rank:paddings:)`` (looked up by the same key paths, which a codec's own
    /// `\.kernelSize` on its concrete class would not match).
    static func window<Layer: ConvolutionLayer>(_ settings: LayerSettings<Layer>) throws -> Window {
        Window(kernel: try settings[\.kernelSize], strides: try settings[\.strides], dilation: try settings[\.dilationRate],
               padding: try settings[\.padding])
    }
}
