import Foundation

/// A small, splittable pseudo-random generator whose whole state is one `UInt64`.
///
/// It is SplitMix64 (Steele, Lea and Flood, 2014): each stream is seeded from a key such as
/// `(seed, rank, purpose)`, so a checkpoint stores a few integers and resume is exact.
public struct RandomStream: RandomNumberGenerator, Sendable, Equatable {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    /// A stream for one use, derived from a seed and any number of distinguishing words.
    public init(seed: UInt64, _ words: UInt64...) {
        var key = RandomStream.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        for word in words { key = RandomStream.mix(key ^ RandomStream.mix(word &+ 0xD1B5_4A32_D192_ED03)) }
        state = key
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return RandomStream.mix(state)
    }

    /// SplitMix64's output function: a bijective 64-bit mixer.
    @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1) with 24 random bits, as a Float32 mantissa holds.
    @inline(__always)
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal value (Box–Muller on two 53-bit uniforms; the second variate is dropped
    /// so the state stays one word).
    public mutating func nextNormal() -> Double {
        let u1 = Double((next() >> 11) + 1) * (1.0 / 9_007_199_254_740_993.0)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Counter-based uniform in [0, 1): the value at `index` of the stream keyed by `key`,
    /// computed without state so any element can be regenerated independently.
    @inline(__always)
    public static func uniform(key: UInt64, index: UInt64) -> Float {
        Float(mix(key ^ mix(index &+ 0x632B_E59B_D9B4_E019)) >> 40) * (1.0 / 16_777_216.0)
    }
}

