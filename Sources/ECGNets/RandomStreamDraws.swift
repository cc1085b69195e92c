import DistTensor

/// The draws ECGNets takes from a `RandomStream` (crops, augmentation, the simulator), written out here rather
/// than using the standard library's `random(in:using:)`, whose algorithm may change between Swift releases, so
/// a checkpointed stream reproduces the same data on every toolchain.
extension RandomStream {
    /// A uniform value in [0, 1) with 53 random bits.
    mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform value in `range` (the upper bound itself is never drawn).
    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnitDouble()
    }

    /// True with probability `probability`: always false for 0 and always true for 1 (one draw either way, so
    /// the stream advances the same whatever the probability).
    mutating func chance(_ probability: Double) -> Bool {
        nextUnitDouble() < probability
    }

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

    /// A uniform angle in [0, 2π).
    mutating func phase() -> Double {
        2 * Double.pi * nextUnitDouble()
    }

    /// One of `weights.count` outcomes, chosen with probability proportional to its weight.
    mutating func pick(weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var threshold = nextUnitDouble() * total
        for (index, weight) in weights.enumerated() {
            if threshold < weight { return index }
            threshold -= weight
        }
        return weights.count - 1
    }
}
