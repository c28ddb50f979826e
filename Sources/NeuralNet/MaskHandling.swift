/// What a layer does with the mask Keras carries beside a tensor (`_keras_mask`): per sample, one value per
/// position of every axis but the last, 1 for a real step and 0 for padding. Keras 3's rules: a layer with
/// `supports_masking` passes its input's mask to its output unless it computes another; any other layer
/// ends it without a word.
public enum MaskHandling: Sendable, Equatable {
    /// The mask ends here, unseen (Conv1D, Flatten, GlobalMaxPooling1D, Embedding without `mask_zero`).
    case ends
    /// The output carries the input's mask; the layer does not read it (Dense, activations, dropouts).
    case passes
    /// A layer of several inputs whose output carries their mask when each carries the same one (Keras's
    /// merges and Concatenate on the last axis). Given different masks, or some inputs without, Keras 3 joins
    /// them by "or" and tf-keras by "and": a model where that happens is refused.
    case joins
    /// The layer reads its input's mask (``LayerScratch/inputMask``), which must have a value per position
    /// of the input's axes but the last; the output carries it on when `passesOn`.
    case reads(passesOn: Bool)
    /// The layer makes its output's mask from its input (a ``MaskMakingLayer``), whatever mask that had.
    case makes
    /// Keras uses the mask in a way not supported here: a model where a mask reaches the layer is refused.
    case unsupported
}

/// A layer that makes a mask from its input: Embedding with `mask_zero`, Masking.
public protocol MaskMakingLayer: UnaryLayer {
    /// Mask values per sample: one per position of every axis of the output but the last.
    var maskLength: Int { get }
    /// Writes `batch` samples' masks of `input`: 1 for each kept position, 0 for each masked one.
    func makeMask(_ input: UnsafePointer<Float>, into mask: UnsafeMutablePointer<Float>, batch: Int)
}
