import CKernels

/// Where a convolution's windows lie over its input, for spatial ranks 1 and 2 (a 1-D input of (steps,
/// channels) is an image one row high): sizes, strides, dilation, padding and groups, and the im2col and
/// col2im copies between the input and its column matrix.
///
/// Row r of a pass's column matrix is the receptive field of output position r (of the whole batch) over one
/// group's channels: kh·kw·(channels / groups) values in `(ky, kx, channel)` order, which is the row-major
/// layout of Keras's kernel seen as a `(kh·kw·in/groups) × filters` matrix.
struct ConvolutionGeometry {
    /// The C kernels' description, for group 0.
    private(set) var window = ck_window()
    /// Groups of channels convolved separately (Keras's `groups`).
    private(set) var groups = 1

    var height: Int { window.h }
    var width: Int { window.w }
    var channels: Int { window.c }
    var outHeight: Int { window.oh }
    var outWidth: Int { window.ow }
    var padTop: Int { window.pad_top }
    var padLeft: Int { window.pad_left }
    var kernelHeight: Int { window.kh }
    var kernelWidth: Int { window.kw }
    /// Values in one receptive field of one group: kh·kw·channels / groups.
    var patch: Int { window.kh * window.kw * window.cg }
    /// Values in one input sample.
    var imageSize: Int { window.h * window.w * window.c }
    /// Output positions per sample.
    var positions: Int { window.oh * window.ow }
    /// Whether the batch's column matrix is the input itself, row for row (a 1×1 kernel at stride 1 over one
    /// group): im2col and col2im are then copies to skip.
    var columnsAreInput: Bool {
        window.kh == 1 && window.kw == 1 && window.sh == 1 && window.sw == 1 && window.pad_top == 0 && window.pad_left == 0 && groups == 1
    }
    /// Whether the windows are plain (no dilation, one group), as the special algorithms need.
    var isPlain: Bool { window.dh == 1 && window.dw == 1 && groups == 1 }

    /// No input yet.
    init() {}

    /// The geometry over an input of `spatial` sizes (one or two) and `channels`, for a kernel of `kernel`
    /// sizes with `strides` and `dilation` (one entry per spatial axis); nil when the dilated kernel does not
    /// fit the input. `groups` must divide `channels`.
    init?(spatial: [Int], channels: Int, kernel: [Int], strides: [Int], dilation: [Int], padding: Padding, groups: Int) {
        // A 1-D input is a one-row image.
        let lead = spatial.count == 1 ? 1 : 0
        func axis(_ values: [Int], _ index: Int) -> Int { index < lead ? 1 : values[index - lead] }
        let along = (0..<2).map { index in
            padding.geometry(input: axis(spatial, index), window: axis(kernel, index), stride: axis(strides, index),
                             dilation: axis(dilation, index))
        }
        guard along[0].output > 0, along[1].output > 0 else { return nil }
        window = ck_window(h: axis(spatial, 0), w: axis(spatial, 1), c: channels, kh: axis(kernel, 0), kw: axis(kernel, 1),
                           sh: axis(strides, 0), sw: axis(strides, 1), dh: axis(dilation, 0), dw: axis(dilation, 1),
                           pad_top: along[0].before, pad_left: along[1].before, oh: along[0].output, ow: along[1].output,
                           c0: 0, cg: channels / groups)
        self.groups = groups
    }

    /// The geometry of `layer`'s window over `inputShape`, refusing (naming the layer) what
    /// ``ConvolutionLayer/checkWindow(inputShape:)`` refuses, groups that do not divide the channels and
    /// `filters`, causal padding beyond rank 1, and a dilated kernel larger than the padded input.
    init(of layer: some ConvolutionLayer, inputShape: [Int], groups: Int = 1, filters: Int? = nil) throws {
        let name = layer.name, rank = layer.rank
        try layer.checkWindow(inputShape: inputShape)
        try layer.requireSize(groups, "groups")
        let channels = inputShape[rank]
        guard channels % groups == 0, (filters ?? groups) % groups == 0 else {
            throw ModelError.invalidInput(layer: name, reason: "groups (\(groups)) must divide the input channels (\(channels)) and the filters (\(filters ?? groups))")
        }
        guard layer.padding != .causal || rank == 1 else {
            throw ModelError.invalidInput(layer: name, reason: "causal padding is for 1-D convolutions only")
        }
        guard let geometry = ConvolutionGeometry(spatial: Array(inputShape.prefix(rank)), channels: channels, kernel: layer.kernelSize,
                                                 strides: layer.strides, dilation: layer.dilationRate, padding: layer.padding, groups: groups) else {
            throw ModelError.invalidInput(layer: name, reason: "a \(layer.kernelSize.map(String.init).joined(separator: "x")) kernel does not fit input \(describeShape(inputShape, batch: true))")
        }
        self = geometry
    }

    /// The output's shape: its spatial sizes (as many as the input has) and `channels`.
    func outputShape(rank: Int, channels: Int) -> [Int] { (rank == 1 ? [outWidth] : [outHeight, outWidth]) + [channels] }

    /// Rows `start..<start + count` of the batch's column matrix over group `group`'s channels.
    func im2col(_ input: UnsafePointer<Float>, rows start: Int, count: Int, group: Int = 0, into columns: UnsafeMutablePointer<Float>) {
        var window = window
        window.c0 = group * window.cg
        ck_im2col(input, columns, &window, start, count)
    }

    /// Rows `start..<start + count` of group `group`'s column matrix: the input itself where
    /// ``columnsAreInput``, else copied by ``im2col(_:rows:count:group:into:)`` into `buffer`.
    func columnRows(_ input: UnsafePointer<Float>, rows start: Int, count: Int, group: Int = 0,
                    buffer: UnsafeMutablePointer<Float>) -> UnsafePointer<Float> {
        if columnsAreInput { return input + start * patch }
        im2col(input, rows: start, count: count, group: group, into: buffer)
        return UnsafePointer(buffer)
    }

    /// Adds those rows back onto the input positions they came from (the adjoint of ``im2col``).
    func col2im(_ columns: UnsafePointer<Float>, _ input: UnsafeMutablePointer<Float>, rows start: Int, count: Int, group: Int = 0) {
        var window = window
        window.c0 = group * window.cg
        ck_col2im(columns, input, &window, start, count)
    }

    /// The depthwise convolution of one sample (one group per channel): output channel c·multiplier + m from
    /// input channel c and `kernel`'s `(k..., channels, multiplier)` taps, plus `bias` when given.
    func depthwiseForward(_ input: UnsafePointer<Float>, kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          _ output: UnsafeMutablePointer<Float>, multiplier: Int) {
        var window = window
        ck_depthwise_forward(input, kernel, bias, output, &window, multiplier)
    }

    /// Its backward pass for one sample: adds the kernel's gradient into `kernelGradient` and, when given, the
    /// input's into `inputGradient`.
    func depthwiseBackward(_ input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
                           kernelGradient: UnsafeMutablePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?, multiplier: Int) {
        var window = window
        ck_depthwise_backward(input, outputGradient, kernel, kernelGradient, inputGradient, &window, multiplier)
    }
}
