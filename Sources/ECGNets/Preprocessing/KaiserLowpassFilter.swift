import Foundation

/// The windowed-sinc low-pass FIR filter that `scipy.signal.firwin(numtaps, cutoff, window=('kaiser', beta))`
/// designs with its defaults (`pass_zero=True`, `scale=True`): an odd number of taps, cutoff relative to the
/// Nyquist frequency, normalised to unit gain at DC.
enum KaiserLowpassFilter {
    /// The `2 * halfLength + 1` taps, symmetric about index `halfLength`, of a low-pass filter with `cutoff`
    /// in (0, 1] (1 = Nyquist) under a symmetric Kaiser window of shape `beta`.
    static func taps(halfLength: Int, cutoff: Double, beta: Double) -> [Double] {
        let count = 2 * halfLength + 1
        let windowScale = 1 / besselI0(beta)
        var taps = [Double](unsafeUninitializedCapacity: count) { taps, initialized in
            for index in 0..<count {
                let offset = Double(index - halfLength)
                let position = halfLength == 0 ? 0 : offset / Double(halfLength)
                let window = besselI0(beta * (1 - position * position).squareRoot()) * windowScale
                taps[index] = cutoff * normalizedSinc(cutoff * offset) * window
            }
            initialized = count
        }
        let sum = taps.reduce(0, +)
        for index in taps.indices { taps[index] /= sum }
        return taps
    }

    /// `sin(pi x) / (pi x)`, 1 at 0 (numpy's `sinc`).
    static func normalizedSinc(_ x: Double) -> Double {
        x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
    }

    /// The modified Bessel function of the first kind of order 0, by its power series
    /// `sum_k ((x/2)^2)^k / (k!)^2`, summed until the terms no longer change the result (accurate to a few ulps
    /// for the Kaiser shapes in use, |x| <= 20).
    static func besselI0(_ x: Double) -> Double {
        let quarterSquare = x * x / 4
        var term = 1.0, sum = 1.0
        var k = 1.0
        while term > sum * Double.ulpOfOne {
            term *= quarterSquare / (k * k)
            sum += term
            k += 1
        }
        return sum
    }
}
