/// What every Keras convolution of spatial rank 1 or 2 has (``Convolution``, ``DepthwiseConvolution``,
/// ``SeparableConvolution``, ``ConvolutionTranspose``): one kernel size, stride and dilation per spatial axis,
/// and a padding.
public protocol ConvolutionLayer: ActivatedLayer {
    /// Spatial axes: 1 or 2.
    var rank: Int { get }
    /// Keras's `kernel_size`, one size per spatial axis.
    var kernelSize: [Int] { get }
    /// Keras's `strides`.
    var strides: [Int] { get }
    /// Keras's `dilation_rate`: the distance between the kernel's taps.
    var dilationRate: [Int] { get }
    /// Keras's `padding`.
    var padding: Padding { get }
}

extension ConvolutionLayer {
    /// Refuses (naming the layer) an input of another rank than (spatial..., channels), sizes, strides or
    /// dilation rates not one per axis or out of range, and a dilated kernel too large to describe.
    func checkWindow(inputShape: [Int]) throws {
        guard inputShape.count == rank + 1 else {
            let axes = rank == 1 ? "(steps, channels)" : "(height, width, channels)"
            throw ModelError.invalidInput(layer: name, reason: "\(className) needs \(axes) input, got \(describeShape(inputShape, batch: true))")
        }
        guard [kernelSize, strides, dilationRate].allSatisfy({ $0.count == rank }) else {
            throw ModelError.invalidInput(layer: name, reason: "kernel size, strides and dilation rate need \(rank) sizes each")
        }
        for (sizes, setting) in [(kernelSize, "kernel size"), (strides, "stride"), (dilationRate, "dilation rate")] {
            for size in sizes { try requireSize(size, setting) }
        }
        // Both at most 2^24, so the product fits.
        for (size, rate) in zip(kernelSize, dilationRate) { try requireSize((size - 1) * rate + 1, "dilated kernel size") }
    }
}
