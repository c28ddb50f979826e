// The one import a program needs: `import KerasSwift` brings the whole public API, as swift-numerics'
// `Numerics` does for its modules.
@_exported import HDF5
@_exported import KerasFormat
@_exported import NeuralNet
@_exported import NumPy
@_exported import ONNX
@_exported import Safetensors
