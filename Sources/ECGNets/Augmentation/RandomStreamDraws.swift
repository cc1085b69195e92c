import DistTensor

/// The draws ECGNets' preprocessing and augmentation take from a `RandomStream`, written out here (rather than
/// using the standard library's `random(in:using:)`, whose algorithm may change between Swift releases) so a
/// checkpointed stream reproduces the same crops and augmentations on every toolchain.
extension RandomStream {
    /// An integer uniform in `0..<bound` by the multiply-high method (bias below `bound / 2^64`); 0 when
    /// `bound <= 1`.
    mutating func nextIndex(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        return Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// An integer uniform in `-magnitude...magnitude`.
    mutating func nextSymmetricInteger(magnitude: Int) -> Int {
        nextIndex(below: 2 * magnitude + 1) - magnitude
    }

    /// A value uniform in `[lower, upper)`, with 53 random bits.
    mutating func nextDouble(from lower: Double, to upper: Double) -> Double {
        lower + (upper - lower) * (Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0))
    }

    /// True with probability `probability`: always false for 0 and always true for 1 (one draw either way, so the
    /// stream advances the same whatever the probability).
    mutating func nextEvent(probability: Double) -> Bool {
        nextDouble(from: 0, to: 1) < probability
    }
}
