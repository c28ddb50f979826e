import CKernels
import Foundation

/// A gradient-descent optimizer with Keras's semantics, keeping its state in Keras's positional form.
///
/// The state is what Keras 3 saves: `iterations`, the learning rate, then per trainable weight, in model
/// order, the optimizer's slots (SGD with momentum: `momentum`; Adam: `m` and `v`, interleaved).
public protocol Optimizer: AnyObject {
    /// Keras's class name: `SGD` or `Adam`.
    var className: String { get }
    var learningRate: Float { get set }
    /// Steps taken so far (Keras's `iterations`).
    var iterations: Int64 { get set }
    /// Names of the per-weight slots, in Keras's order: `[]`, `["momentum"]` or `["m", "v"]`.
    var slotNames: [String] { get }
    /// The slot arrays, `slotNames.count` per parameter, interleaved per parameter.
    var slots: [OptimizerSlot] { get }
    /// The hyperparameters as Keras's optimizer config names them (`beta_1`, `momentum`...), without the
    /// learning rate.
    var hyperparameters: [(String, Double)] { get }
    /// The parameters this optimizer updates, in model order.
    var parameters: [Parameter] { get }
    /// Updates elements `range` of parameter `index` from `gradient` (their gradient, `range.count` floats)
    /// plus `extra` (another worker's part of the same gradient, summed into `gradient`). Called for disjoint
    /// ranges from several threads at once, between `iterations` increments.
    func update(_ index: Int, range: Range<Int>, gradient: UnsafeMutablePointer<Float>, extra: UnsafePointer<Float>?)
}

extension Optimizer {
    /// Applies one step to every parameter using its current gradient, then counts the step.
    public func step() {
        let parameters = self.parameters
        forEachElementChunk(of: parameters) { index, range in
            update(index, range: range, gradient: parameters[index].gradient + range.lowerBound, extra: nil)
        }
        iterations += 1
    }
}

/// Adds the workers' gradient buffers into the parameters' own gradients.
func sumGradients(into parameters: [Parameter], _ workers: ArraySlice<[UnsafeMutablePointer<Float>]>) {
    forEachElementChunk(of: parameters) { index, range in
        addGradients(of: index, range: range, from: workers, into: parameters[index].gradient)
    }
}

/// Adds elements `range` of the workers' gradient buffers for parameter `index` into `target` (the
/// parameter's own gradient buffer, which holds the same elements).
func addGradients(of index: Int, range: Range<Int>, from workers: ArraySlice<[UnsafeMutablePointer<Float>]>,
                  into target: UnsafeMutablePointer<Float>) {
    for worker in workers { ck_add(target + range.lowerBound, worker[index] + range.lowerBound, range.count) }
}

/// Runs `body` on every parameter's elements, the whole split into one contiguous share per core (a share
/// may span parameters); allocates nothing.
private func forEachElementChunk(of parameters: [Parameter], _ body: (Int, Range<Int>) -> Void) {
    let total = parameters.reduce(0) { $0 + $1.count }
    let shares = min(Parallel.coreCount, max(1, total / 4096))
    Parallel.forEachChunk(shares) { range in
        for share in range {
            let first = total * share / shares, last = total * (share + 1) / shares
            var offset = 0
            for (index, parameter) in parameters.enumerated() {
                let lower = max(first, offset), upper = min(last, offset + parameter.count)
                if lower < upper { body(index, (lower - offset)..<(upper - offset)) }
                offset += parameter.count
            }
        }
    }
}

/// One optimizer slot array for one parameter.
public final class OptimizerSlot: @unchecked Sendable {
    /// The shape of the parameter the slot belongs to.
    public let shape: [Int]
    /// The number of values.
    public let count: Int
    /// The slot's values, laid out as the parameter's.
    public let values: UnsafeMutablePointer<Float>

    init(shape: [Int]) {
        self.shape = shape
        count = shape.reduce(1, *)
        values = .allocate(capacity: max(1, count))
        values.update(repeating: 0, count: max(1, count))
    }

    deinit { values.deallocate() }

    /// A copy of the values.
    public var tensor: Tensor { Tensor(shape: shape, scalars: Array(UnsafeBufferPointer(start: values, count: count))) }

    /// Replaces the values, refusing a different shape.
    public func assign(_ tensor: Tensor) throws {
        guard tensor.shape == shape else { throw ModelError.shapeMismatch(parameter: "optimizer slot", expected: shape, found: tensor.shape) }
        tensor.scalars.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: count) }
    }
}

/// Keras's `SGD`: plain, with momentum, or Nesterov momentum.
public final class SGD: Optimizer {
    public let className = "SGD"
    public var learningRate: Float
    /// Keras's `momentum`; 0 keeps no velocity slot.
    public let momentum: Float
    /// Nesterov momentum, as Keras's `nesterov=True`.
    public let nesterov: Bool
    public var iterations: Int64 = 0
    public let slots: [OptimizerSlot]
    public let parameters: [Parameter]

    /// Keras's `SGD` over `parameters`, with Keras's defaults.
    public init(parameters: [Parameter], learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.momentum = momentum
        self.nesterov = nesterov
        slots = momentum == 0 ? [] : parameters.map { OptimizerSlot(shape: $0.shape) }
    }

    public var slotNames: [String] { momentum == 0 ? [] : ["momentum"] }
    public var hyperparameters: [(String, Double)] { [("momentum", Double(momentum)), ("nesterov", nesterov ? 1 : 0)] }

    public func update(_ index: Int, range: Range<Int>, gradient: UnsafeMutablePointer<Float>, extra: UnsafePointer<Float>?) {
        let parameter = parameters[index], start = range.lowerBound
        ck_sgd_update(parameter.value + start, gradient, extra,
                      slots.isEmpty ? nil : slots[index].values + start, range.count, learningRate, momentum, nesterov ? 1 : 0)
    }
}

/// Keras's `Adam` (defaults lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7), computed as Keras does:
/// `alpha = lr · sqrt(1 - beta_2^t) / (1 - beta_1^t)` with `t = iterations + 1`, and epsilon added to
/// `sqrt(v)` without bias correction.
public final class Adam: Optimizer {
    public let className = "Adam"
    public var learningRate: Float
    /// Keras's `beta_1`: decay of the first-moment average.
    public let beta1: Float
    /// Keras's `beta_2`: decay of the second-moment average.
    public let beta2: Float
    /// Keras's `epsilon`, added to the root of the second moment.
    public let epsilon: Float
    public var iterations: Int64 = 0
    /// `m` and `v` for each parameter, interleaved: m0, v0, m1, v1, ...
    public let slots: [OptimizerSlot]
    public let parameters: [Parameter]

    /// Keras's `Adam` over `parameters`, with Keras's defaults.
    public init(parameters: [Parameter], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-7) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        slots = parameters.flatMap { [OptimizerSlot(shape: $0.shape), OptimizerSlot(shape: $0.shape)] }
    }

    public let slotNames = ["m", "v"]
    public var hyperparameters: [(String, Double)] {
        [("beta_1", Double(beta1)), ("beta_2", Double(beta2)), ("epsilon", Double(epsilon))]
    }

    public func update(_ index: Int, range: Range<Int>, gradient: UnsafeMutablePointer<Float>, extra: UnsafePointer<Float>?) {
        let t = Float(iterations + 1)
        let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        let parameter = parameters[index], start = range.lowerBound
        ck_adam_update(parameter.value + start, gradient, extra,
                       slots[2 * index].values + start, slots[2 * index + 1].values + start, range.count,
                       alpha, beta1, beta2, epsilon)
    }
}
