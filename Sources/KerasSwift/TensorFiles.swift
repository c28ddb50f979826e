import NeuralNet
import NumPy

extension Tensor {
    /// The array of a `.npy` file, of any numeric or boolean dtype, as float32: what
    /// `np.load(path).astype(np.float32)` gives. Throws `NumpyError` naming the file when it is missing,
    /// truncated, Fortran-ordered, big-endian, or holds no numbers.
    public init(npy path: String) throws {
        let array = try NumpyArray.read(path)
        try self.init(shape: array.shape, scalars: array.floats())
    }

    /// Writes the tensor to `path` as a float32 `.npy` file that `np.load` reads, replacing it whole or not
    /// at all.
    public func save(npy path: String) throws {
        try NumpyArray(shape: shape, float32: scalars).write(to: path)
    }
}
