import NeuralNet
import Testing

/// A tensor is made only of values that fill its shape; anything else is an error, never a trap.
@Suite struct TensorTests {
    @Test func valuesThatDoNotFillTheShapeAreRefused() throws {
        #expect(throws: TensorError.valueCount(shape: [2, 20], values: 3)) { try Tensor(shape: [2, 20], scalars: [1, 2, 3]) }
        #expect(throws: TensorError.invalidShape([2, -3])) { try Tensor(shape: [2, -3], scalars: []) }
        #expect(throws: TensorError.invalidShape([Int.max, 3])) { try Tensor(shape: [Int.max, 3], scalars: []) }
        #expect(throws: TensorError.invalidShape([-1])) { try Tensor(zeros: [-1]) }
        #expect(throws: TensorError.invalidShape([1 << 40, 1 << 30])) { try Tensor(zeros: [1 << 40, 1 << 30]) }
        #expect("\(TensorError.valueCount(shape: [2, 20], values: 3))" == "3 values do not fill shape (2, 20) (40 values)")
        #expect(try Tensor(shape: [], scalars: [7]).count == 1 && Tensor(zeros: [0, 4]).count == 0)
    }
}
