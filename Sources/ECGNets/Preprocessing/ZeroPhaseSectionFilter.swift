/// Forward-backward filtering through a cascade of second-order sections, computed as
/// `scipy.signal.sosfiltfilt(sos, x, padtype='odd', padlen=None)` does: odd extension at both ends, each pass
/// started from the cascade's steady state scaled to its first input, padding removed. Arithmetic is in double
/// precision; the result is rounded to Float once at the end.
enum ZeroPhaseSectionFilter {
    /// Filters `signal` in place; `signal.count` must exceed `padLength`.
    static func filter(_ signal: UnsafeMutableBufferPointer<Float>, sections: UnsafeBufferPointer<SecondOrderSection>,
                       padLength: Int) {
        let count = signal.count
        let extended = UnsafeMutableBufferPointer<Double>.allocate(capacity: count + 2 * padLength)
        defer { extended.deallocate() }
        let first = Double(signal[0]), last = Double(signal[count - 1])
        for index in 0..<padLength {
            // scipy's odd_ext: x[pad - index] mirrored about x[0], x[-2 - index] mirrored about x[-1].
            extended[index] = 2 * first - Double(signal[padLength - index])
            extended[padLength + count + index] = 2 * last - Double(signal[count - 2 - index])
        }
        for index in 0..<count { extended[padLength + index] = Double(signal[index]) }

        let steadyState = steadyStates(of: sections)
        defer { steadyState.deallocate() }
        runCascade(over: extended, sections: sections, steadyState: steadyState, reversed: false)
        runCascade(over: extended, sections: sections, steadyState: steadyState, reversed: true)
        for index in 0..<count { signal[index] = Float(extended[padLength + index]) }
    }

    /// scipy's `sosfilt_zi`: each section's `lfilter_zi` times the DC gain of the sections before it, flattened
    /// `[z0, z1]` per section (the caller deallocates).
    private static func steadyStates(of sections: UnsafeBufferPointer<SecondOrderSection>)
        -> UnsafeMutableBufferPointer<Double> {
        let states = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2 * sections.count)
        var scale = 1.0
        for (index, section) in sections.enumerated() {
            let (z0, z1) = section.unitStepState
            states[2 * index] = scale * z0
            states[2 * index + 1] = scale * z1
            scale *= section.directCurrentGain
        }
        return states
    }

    /// One pass of the cascade over `samples` in place, forward or from the end backward, in transposed direct
    /// form II (scipy's `sosfilt`), started from `steadyState` scaled by the pass's first input.
    private static func runCascade(over samples: UnsafeMutableBufferPointer<Double>,
                                   sections: UnsafeBufferPointer<SecondOrderSection>,
                                   steadyState: UnsafeMutableBufferPointer<Double>, reversed: Bool) {
        let count = samples.count
        let start = reversed ? count - 1 : 0
        let step = reversed ? -1 : 1
        let initialInput = samples[start]
        for (sectionIndex, section) in sections.enumerated() {
            var z0 = steadyState[2 * sectionIndex] * initialInput
            var z1 = steadyState[2 * sectionIndex + 1] * initialInput
            let (b0, b1, b2, a1, a2) = (section.b0, section.b1, section.b2, section.a1, section.a2)
            var index = start
            for _ in 0..<count {
                let input = samples[index]
                let output = b0 * input + z0
                z0 = b1 * input - a1 * output + z1
                z1 = b2 * input - a2 * output
                samples[index] = output
                index += step
            }
        }
    }
}

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
