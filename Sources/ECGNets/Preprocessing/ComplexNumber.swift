import Foundation

/// The few complex-number operations that filter design needs (the standard library has no complex type and the
/// package takes no dependency for one).
struct ComplexNumber: Equatable {
    var real: Double
    var imaginary: Double

    init(_ real: Double, _ imaginary: Double = 0) {
        self.real = real
        self.imaginary = imaginary
    }

    /// `magnitude * e^(i * angle)`.
    init(magnitude: Double, angle: Double) {
        self.init(magnitude * cos(angle), magnitude * sin(angle))
    }

    var conjugate: ComplexNumber { ComplexNumber(real, -imaginary) }

    var magnitudeSquared: Double { real * real + imaginary * imaginary }

    /// The principal square root (non-negative real part), as numpy's `sqrt` gives it.
    var squareRoot: ComplexNumber {
        let magnitude = magnitudeSquared.squareRoot()
        let root = ComplexNumber(((magnitude + real) / 2).squareRoot(), ((magnitude - real) / 2).squareRoot())
        return imaginary < 0 ? root.conjugate : root
    }

    static func + (lhs: ComplexNumber, rhs: ComplexNumber) -> ComplexNumber {
        ComplexNumber(lhs.real + rhs.real, lhs.imaginary + rhs.imaginary)
    }

    static func - (lhs: ComplexNumber, rhs: ComplexNumber) -> ComplexNumber {
        ComplexNumber(lhs.real - rhs.real, lhs.imaginary - rhs.imaginary)
    }

    static func * (lhs: ComplexNumber, rhs: ComplexNumber) -> ComplexNumber {
        ComplexNumber(lhs.real * rhs.real - lhs.imaginary * rhs.imaginary,
                      lhs.real * rhs.imaginary + lhs.imaginary * rhs.real)
    }

    static func / (lhs: ComplexNumber, rhs: ComplexNumber) -> ComplexNumber {
        let denominator = rhs.magnitudeSquared
        return ComplexNumber((lhs.real * rhs.real + lhs.imaginary * rhs.imaginary) / denominator,
                             (lhs.imaginary * rhs.real - lhs.real * rhs.imaginary) / denominator)
    }
}
