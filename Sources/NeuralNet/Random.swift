import Foundation

/// A small, fast, seedable generator (xoshiro256**), so runs with the same `--seed` repeat exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose sequence depends only on `seed`.
    public init(seed: UInt64) {
        // SplitMix64 spreads the seed over the four state words.
        var x = seed
        func next() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (next(), next(), next(), next())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((state.1 &* 5) << 7 | (state.1 &* 5) >> 57) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = state.3 << 45 | state.3 >> 19
        return result
    }

    /// A uniform float in [0, 1).
    public mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// A standard normal float (mean 0, standard deviation 1), by the Box-Muller transform.
    public mutating func nextNormalFloat() -> Float {
        let radius = (-2 * log(1 - nextUnitFloat())).squareRoot()
        return radius * cos(2 * Float.pi * nextUnitFloat())
    }
}
