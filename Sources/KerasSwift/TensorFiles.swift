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

    /// The arrays of a `.npz` file (`np.savez`, compressed or not) as float32 tensors, by name in the archive's
    /// order: give them to a model of several inputs by its input names (``KerasModel/inputs``).
    public static func arrays(npz path: String) throws -> [(name: String, tensor: Tensor)] {
        try NumpyArchive.read(path).map { ($0.name, try Tensor(shape: $0.array.shape, scalars: $0.array.floats())) }
    }

    /// Writes named tensors to `path` as an uncompressed `.npz` of float32 arrays that `np.load` reads,
    /// replacing it whole or not at all.
    public static func save(_ tensors: [(name: String, tensor: Tensor)], npz path: String) throws {
        try NumpyArchive.write(try tensors.map { ($0.name, try NumpyArray(shape: $0.tensor.shape, float32: $0.tensor.scalars)) }, to: path)
    }
}
