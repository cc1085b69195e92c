import DistTensor

/// The simulator's geometric draw on top of ECGNets' shared `RandomStream` draws.
extension RandomStream {
    /// A unit vector near `base`: each component moved by up to ±`spread`, then scaled to length 1.
    mutating func direction(near base: SIMD3<Double>, spread: Double) -> SIMD3<Double> {
        let moved = base + SIMD3(uniform(-spread...spread), uniform(-spread...spread), uniform(-spread...spread))
        let length = (moved * moved).sum().squareRoot()
        return length > 0 ? moved / length : moved
    }
}
