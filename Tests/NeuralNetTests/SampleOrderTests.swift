import NeuralNet
import Testing

/// The training samples' order epoch after epoch, for each ``ShuffleMode``.
@Suite struct SampleOrderTests {
    static func epochs(_ mode: ShuffleMode, count: Int = 50, seed: UInt64 = 3) -> [[Int]] {
        var orders = SampleOrder(count: count, mode: mode, seed: seed)
        return (0..<3).map { _ in orders.next() }
    }

    @Test func everyEpochDrawsANewPermutationEachEpoch() {
        let orders = Self.epochs(.everyEpoch)
        for order in orders { #expect(order.sorted() == Array(0..<50)) }
        #expect(orders[0] != Array(0..<50))
        #expect(orders[0] != orders[1])
        #expect(orders[1] != orders[2])
    }

    @Test func onceKeepsTheFirstPermutation() {
        let orders = Self.epochs(.once)
        #expect(orders[0].sorted() == Array(0..<50))
        #expect(orders[0] != Array(0..<50))
        #expect(orders[1] == orders[0])
        #expect(orders[2] == orders[0])
        // The order it keeps is the one an every-epoch run starts with.
        #expect(orders[0] == Self.epochs(.everyEpoch)[0])
    }

    @Test func offKeepsFileOrder() {
        #expect(Self.epochs(.off) == [[Int]](repeating: Array(0..<50), count: 3))
    }

    @Test func theSeedChoosesThePermutation() {
        #expect(Self.epochs(.once, seed: 3)[0] == Self.epochs(.once, seed: 3)[0])
        #expect(Self.epochs(.once, seed: 3)[0] != Self.epochs(.once, seed: 4)[0])
    }
}
