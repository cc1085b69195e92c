/// One biquad of a cascade, `H(z) = (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2)`: a row
/// `[b0, b1, b2, 1, a1, a2]` of scipy's `sos` arrays.
public struct SecondOrderSection: Sendable, Equatable, Codable {
    public var b0: Double
    public var b1: Double
    public var b2: Double
    public var a1: Double
    public var a2: Double

    /// A section from its numerator and its monic denominator's last two coefficients.
    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0
        self.b1 = b1
        self.b2 = b2
        self.a1 = a1
        self.a2 = a2
    }

    /// The gain at zero frequency, `H(1)`.
    var directCurrentGain: Double { (b0 + b1 + b2) / (1 + a1 + a2) }

    /// The transposed-direct-form-II state `[z0, z1]` after a unit step has run forever, scipy's
    /// `lfilter_zi(b, a)`: the solution of `(I - A^T) zi = b[1:] - a[1:] * b0` for this second-order case.
    var unitStepState: (Double, Double) {
        let first = b1 - a1 * b0, second = b2 - a2 * b0
        let z0 = (first + second) / (1 + a1 + a2)
        return (z0, second - a2 * z0)
    }
}
