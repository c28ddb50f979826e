import CKernels
import Foundation

/// A gradient-descent optimizer with Keras's semantics, keeping its state in Keras's positional form.
///
/// The state is what Keras 3 saves: `iterations`, the learning rate, then the optimizer's slots in Keras's
/// order (Adam: `momentum` and `velocity` interleaved per weight, then amsgrad's `velocity_hat` per weight;
/// RMSprop: every weight's `velocity`, then every `momentum`, then every `average_gradient`).
public protocol Optimizer: AnyObject {
    /// Keras's class name: `SGD`, `Adam`, `AdamW`, `Nadam` or `RMSprop`.
    var className: String { get }
    /// The rate of the next step (set from ``learningRateSchedule`` before each step when there is one).
    var learningRate: Float { get set }
    /// The schedule the rate follows, if any (Keras's `learning_rate` given as a schedule).
    var learningRateSchedule: LearningRateSchedule? { get set }
    /// Steps taken so far (Keras's `iterations`).
    var iterations: Int64 { get set }
    /// The slot arrays in Keras's order, each naming its parameter.
    var slots: [OptimizerSlot] { get }
    /// Keras 2's short names of the slots where they differ from Keras 3's (`momentum` is `m` for Adam).
    var keras2SlotNames: [String: String] { get }
    /// The hyperparameters as Keras's optimizer config names them (`beta_1`, `momentum`...), without the
    /// learning rate; flags (`nesterov`, `amsgrad`, `centered`) as 0 or 1.
    var hyperparameters: [(String, Double)] { get }
    /// The parameters this optimizer updates, in model order.
    var parameters: [Parameter] { get }
    /// Updates elements `range` of parameter `index` from `gradient` (their gradient, `range.count` floats)
    /// plus `extra` (another worker's part of the same gradient, summed into `gradient`). Called for disjoint
    /// ranges from several threads at once, between `iterations` increments.
    func update(_ index: Int, range: Range<Int>, gradient: UnsafeMutablePointer<Float>, extra: UnsafePointer<Float>?)
    /// Called once before each step's updates, after ``beginStep()`` has set the rate (Nadam advances its
    /// momentum schedule).
    func prepareStep()
}

extension Optimizer {
    public var keras2SlotNames: [String: String] { ["momentum": "m", "velocity": "v", "velocity_hat": "vhat"] }
    public func prepareStep() {}

    /// Sets the step's rate from ``learningRateSchedule``, if any, then prepares the step.
    public func beginStep() {
        if let learningRateSchedule { learningRate = learningRateSchedule.rate(atStep: iterations) }
        prepareStep()
    }

    /// Applies one step to every parameter using its current gradient, then counts the step.
    public func step() {
        beginStep()
        let parameters = self.parameters
        forEachElementChunk(of: parameters) { index, range in
            update(index, range: range, gradient: parameters[index].gradient + range.lowerBound, extra: nil)
        }
        parameters.forEach { $0.valuesChanged() }
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
    /// Keras 3's name of the slot: `momentum`, `velocity`, `velocity_hat`, `average_gradient`.
    public let name: String
    /// The index of the parameter it belongs to, among the optimizer's.
    public let parameter: Int
    /// The shape of the parameter the slot belongs to.
    public let shape: [Int]
    /// The number of values.
    public let count: Int
    /// The slot's values, laid out as the parameter's.
    public let values: UnsafeMutablePointer<Float>

    /// Zeros shaped as `parameters[parameter]`.
    init(_ name: String, of parameters: [Parameter], at parameter: Int) {
        self.name = name
        self.parameter = parameter
        shape = parameters[parameter].shape
        count = shape.reduce(1, *)
        // calloc: large zeroed blocks come from the system as pages that take no memory until written, so an
        // optimizer whose state is about to be read from a file does not clear it first. (calloc returns nil only
        // where Swift's own allocation of the parameter, which is as large, has already trapped.)
        values = calloc(max(1, count), MemoryLayout<Float>.stride)!.bindMemory(to: Float.self, capacity: max(1, count))
    }

    deinit { free(values) }

    /// How many values are NaN or infinite.
    public var nonFiniteCount: Int { ck_count_nonfinite(values, count) }

    /// A copy of the values.
    public var tensor: Tensor { Tensor(checkedShape: shape, scalars: Array(UnsafeBufferPointer(start: values, count: count))) }

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
    public var learningRateSchedule: LearningRateSchedule?
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
        slots = momentum == 0 ? [] : parameters.indices.map { OptimizerSlot("momentum", of: parameters, at: $0) }
    }

    public var hyperparameters: [(String, Double)] { [("momentum", Double(momentum)), ("nesterov", nesterov ? 1 : 0)] }

    public func update(_ index: Int, range: Range<Int>, gradient: UnsafeMutablePointer<Float>, extra: UnsafePointer<Float>?) {
        let parameter = parameters[index], start = range.lowerBound
        ck_sgd_update(parameter.value + start, gradient, extra,
                      slots.isEmpty ? nil : slots[index].values + start, range.count, learningRate, momentum, nesterov ? 1 : 0)
    }
}

/// Keras's `Adam` (defaults lr 0.001, beta_1 0.9, beta_2 0.999, epsilon 1e-7), computed as Keras does:
/// `alpha = lr · sqrt(1 - beta_2^t) / (1 - beta_1^t)` with `t = iterations + 1`, and epsilon added to
/// `sqrt(v)` without bias correction; with `amsgrad`, the largest `v` so far in its place. Keras's `AdamW` is
/// the same with decoupled weight decay, `w -= w · weight_decay · lr` before each step (see ``adamW(parameters:learningRate:weightDecay:beta1:beta2:epsilon:amsgrad:)``).
public final class Adam: Optimizer {
    public let className: String
    public var learningRate: Float
    public var learningRateSchedule: LearningRateSchedule?
    /// Keras's `beta_1`: decay of the first-moment average.
    public let beta1: Float
    /// Keras's `beta_2`: decay of the second-moment average.
    public let beta2: Float
    /// Keras's `epsilon`, added to the root of the second moment.
    public let epsilon: Float
    /// Keras's `amsgrad`: divide by the largest second moment so far.
    public let amsgrad: Bool
    /// Keras's `weight_decay`, or nil.
    public let weightDecay: Float?
    public var iterations: Int64 = 0
    public let slots: [OptimizerSlot]
    public let parameters: [Parameter]
    private let momentums: [OptimizerSlot], velocities: [OptimizerSlot], largestVelocities: [OptimizerSlot]

    /// Keras's `Adam` over `parameters`, with Keras's defaults.
    public convenience init(parameters: [Parameter], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999,
                epsilon: Float = 1e-7, amsgrad: Bool = false, weightDecay: Float? = nil) {
        self.init(className: "Adam", parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                  amsgrad: amsgrad, weightDecay: weightDecay)
    }

    /// Keras's `AdamW`: Adam with decoupled weight decay (Keras's default 0.004).
    public static func adamW(parameters: [Parameter], learningRate: Float = 0.001, weightDecay: Float = 0.004, beta1: Float = 0.9,
                             beta2: Float = 0.999, epsilon: Float = 1e-7, amsgrad: Bool = false) -> Adam {
        Adam(className: "AdamW", parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
             amsgrad: amsgrad, weightDecay: weightDecay)
    }

    private init(className: String, parameters: [Parameter], learningRate: Float, beta1: Float, beta2: Float, epsilon: Float,
                 amsgrad: Bool, weightDecay: Float?) {
        self.className = className
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.amsgrad = amsgrad
        self.weightDecay = weightDecay
        let interleaved = parameters.indices.flatMap { [OptimizerSlot("momentum", of: parameters, at: $0), OptimizerSlot("velocity", of: parameters, at: $0)] }
        largestVelocities = amsgrad ? parameters.indices.map { OptimizerSlot("velocity_hat", of: parameters, at: $0) } : []
        slots = interleaved + largestVelocities
        momentums = interleaved.filter { $0.name == "momentum" }
        velocities = interleaved.filter { $0.name == "velocity" }
    }

    public var hyperparameters: [(String, Double)] {
        [("beta_1", Double(beta1)), ("beta_2", Double(beta2)), ("epsilon", Double(epsilon)), ("amsgrad", amsgrad ? 1 : 0)]
            + (weightDecay.map { [("weight_decay", Double($0))] } ?? [])
    }

    public func update(_ index: Int, range: Range<Int>, gradient: UnsafeMutablePointer<Float>, extra: UnsafePointer<Float>?) {
        let t = Float(iterations + 1)
        let alpha = learningRate * (1 - pow(beta2, t)).squareRoot() / (1 - pow(beta1, t))
        let parameter = parameters[index], start = range.lowerBound
        ck_adam_update(parameter.value + start, gradient, extra, parameter.lookupGradientSquares.map { $0 + start }, momentums[index].values + start, velocities[index].values + start,
                       amsgrad ? largestVelocities[index].values + start : nil, range.count, alpha, beta1, beta2, epsilon,
                       weightDecay ?? 0, learningRate)
    }
}

/// Keras's `Nadam` (Adam with Nesterov momentum; defaults as Adam's), computed as Keras does: the momentum
/// schedule `u_t = beta_1 (1 - 0.5 · 0.96^t)` and its running product, which Keras 3 also saves.
public final class Nadam: Optimizer {
    public let className = "Nadam"
    public var learningRate: Float
    public var learningRateSchedule: LearningRateSchedule?
    /// Keras's `beta_1`, `beta_2` and `epsilon`.
    public let beta1: Float, beta2: Float, epsilon: Float
    public var iterations: Int64 = 0
    /// The product of `u_1 ... u_t` over the steps taken (Keras's `_u_product`).
    public var momentumProduct: Float = 1
    public let slots: [OptimizerSlot]
    public let parameters: [Parameter]

    /// Keras's `Nadam` over `parameters`, with Keras's defaults.
    public init(parameters: [Parameter], learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        slots = parameters.indices.flatMap { [OptimizerSlot("momentum", of: parameters, at: $0), OptimizerSlot("velocity", of: parameters, at: $0)] }
    }

    public var hyperparameters: [(String, Double)] { [("beta_1", Double(beta1)), ("beta_2", Double(beta2)), ("epsilon", Double(epsilon))] }

    /// `u_t` for step `t` (counted from 1).
    private func schedule(_ t: Float) -> Float { beta1 * (1 - 0.5 * pow(Float(0.96), t)) }

    /// `product` advanced by step `t`, multiplied in Keras's order.
    private func advanced(_ product: Float, step t: Float) -> Float { product * beta1 * (1 - 0.5 * pow(Float(0.96), t)) }

    /// Steps ``recomputeMomentumProduct()`` multiplies one by one, as training does. Past a few hundred steps
    /// `0.96^t` no longer changes a float32 `1 - 0.5 · 0.96^t`, so every later factor is `beta_1`.
    static let exactlyRecomputedSteps: Int64 = 100_000

    /// Recomputes the running product for `iterations` steps, for state saved without it (Keras 2's files):
    /// step by step for the first ``exactlyRecomputedSteps``, then as one power of `beta_1`, so that its time
    /// does not grow with a step count read from a file.
    public func recomputeMomentumProduct() {
        var product: Float = 1
        let exact = min(iterations, Self.exactlyRecomputedSteps)
        for t in stride(from: Int64(1), through: exact, by: 1) { product = advanced(product, step: Float(t)) }
        if iterations > exact { product = Float(Double(product) * pow(Double(beta1), Double(iterations - exact))) }
        momentumProduct = product
    }

    public func prepareStep() { momentumProduct = advanced(momentumProduct, step: Float(iterations + 1)) }

    public func update(_ index: Int, range: Range<Int>, gradient: UnsafeMutablePointer<Float>, extra: UnsafePointer<Float>?) {
        let t = Float(iterations + 1), start = range.lowerBound
        let next = schedule(t + 1)
        ck_nadam_update(parameters[index].value + start, gradient, extra, parameters[index].lookupGradientSquares.map { $0 + start },
                        slots[2 * index].values + start,
                        slots[2 * index + 1].values + start, range.count, learningRate, beta1, beta2, epsilon, schedule(t), next,
                        momentumProduct, momentumProduct * next, pow(beta2, t))
    }
}

/// Keras's `RMSprop` (defaults lr 0.001, rho 0.9, momentum 0, epsilon 1e-7, not centered), computed as Keras
/// does; its slots are every weight's `velocity`, then (with momentum) every `momentum`, then (centered) every
/// `average_gradient`.
public final class RMSprop: Optimizer {
    public let className = "RMSprop"
    public var learningRate: Float
    public var learningRateSchedule: LearningRateSchedule?
    /// Keras's `rho`: decay of the squared-gradient average.
    public let rho: Float
    /// Keras's `momentum`; 0 keeps no momentum slots.
    public let momentum: Float
    /// Keras's `epsilon`, added under the root.
    public let epsilon: Float
    /// Keras's `centered`: subtract the squared mean gradient from the denominator.
    public let centered: Bool
    public var iterations: Int64 = 0
    public let slots: [OptimizerSlot]
    public let parameters: [Parameter]
    private let velocities: [OptimizerSlot], momentums: [OptimizerSlot], averages: [OptimizerSlot]

    /// Keras's `RMSprop` over `parameters`, with Keras's defaults.
    public init(parameters: [Parameter], learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7,
                centered: Bool = false) {
        self.parameters = parameters
        self.learningRate = learningRate
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered
        velocities = parameters.indices.map { OptimizerSlot("velocity", of: parameters, at: $0) }
        momentums = momentum > 0 ? parameters.indices.map { OptimizerSlot("momentum", of: parameters, at: $0) } : []
        averages = centered ? parameters.indices.map { OptimizerSlot("average_gradient", of: parameters, at: $0) } : []
        slots = velocities + momentums + averages
    }

    /// Keras 2 names RMSprop's slots as Keras 3 does.
    public var keras2SlotNames: [String: String] { [:] }
    public var hyperparameters: [(String, Double)] {
        [("rho", Double(rho)), ("momentum", Double(momentum)), ("epsilon", Double(epsilon)), ("centered", centered ? 1 : 0)]
    }

    public func update(_ index: Int, range: Range<Int>, gradient: UnsafeMutablePointer<Float>, extra: UnsafePointer<Float>?) {
        let start = range.lowerBound
        ck_rmsprop_update(parameters[index].value + start, gradient, extra, parameters[index].lookupGradientSquares.map { $0 + start },
                          velocities[index].values + start,
                          momentums.isEmpty ? nil : momentums[index].values + start, averages.isEmpty ? nil : averages[index].values + start,
                          range.count, learningRate, rho, momentum, epsilon)
    }
}
