import DistTensor

/// Double-precision draws the simulator needs on top of `RandomStream`'s raw words.
extension RandomStream {
    /// A uniform value in [0, 1) with 53 random bits.
    mutating func nextUnitDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform value in `range`.
    mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + (range.upperBound - range.lowerBound) * nextUnitDouble()
    }

    /// True with probability `probability`.
    mutating func chance(_ probability: Double) -> Bool {
        nextUnitDouble() < probability
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

    /// A unit vector near `base`: each component moved by up to ±`spread`, then scaled to length 1.
    mutating func direction(near base: SIMD3<Double>, spread: Double) -> SIMD3<Double> {
        let moved = base + SIMD3(uniform(-spread...spread), uniform(-spread...spread), uniform(-spread...spread))
        let length = (moved * moved).sum().squareRoot()
        return length > 0 ? moved / length : moved
    }
}
