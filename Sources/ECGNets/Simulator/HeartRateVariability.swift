import DistTensor
import Foundation

/// Sinus RR intervals with the bimodal spectrum of ECGSYN (McSharry et al., 2003, section II.B).
///
/// The RR tachogram's power spectrum is the sum of two Gaussians: Mayer waves at 0.1 Hz and respiratory sinus
/// arrhythmia at the breathing frequency, both 0.01 Hz wide, with a low-to-high-frequency power ratio of 0.5.
/// As in ECGSYN the series is a sum of cosines with those amplitudes and random phases; it is then scaled to
/// the requested coefficient of variation around the requested mean.
enum HeartRateVariability {
    /// Centre of the Mayer-wave (low-frequency) peak, in Hz.
    static let mayerFrequency = 0.1
    /// Width (standard deviation) of both spectral peaks, in Hz.
    static let peakWidth = 0.01
    /// Ratio of low- to high-frequency power.
    static let lowToHighRatio = 0.5
    /// Spacing of the cosines that make up the series, in Hz.
    static let frequencyStep = 0.002

    /// `count` RR intervals whose mean is exactly `meanRR` and whose standard deviation is `variation · meanRR`.
    /// `lowToHighRatio` weighs the Mayer waves against respiratory sinus arrhythmia (ECGSYN's 0.5 by default).
    static func intervals(count: Int, meanRR: Double, variation: Double, respiratoryFrequency: Double,
                          lowToHighRatio: Double = lowToHighRatio, using random: inout RandomStream) -> [Double] {
        guard count > 1 else { return [Double](repeating: meanRR, count: max(count, 0)) }
        var components: [(amplitude: Double, frequency: Double, phase: Double)] = []
        var frequency = frequencyStep
        while frequency <= 0.5 {
            let power = lowToHighRatio * gaussian(frequency, mayerFrequency) + gaussian(frequency, respiratoryFrequency)
            if power > 1e-3 * gaussian(0, 0) {
                components.append((power.squareRoot(), frequency, random.phase()))
            }
            frequency += frequencyStep
        }
        // Sampled at the nominal beat times, as ECGSYN samples its tachogram at the mean heart rate.
        var series = (0..<count).map { beat in
            let time = Double(beat) * meanRR
            return components.reduce(0.0) { $0 + $1.amplitude * cos(2 * Double.pi * $1.frequency * time + $1.phase) }
        }
        let mean = series.reduce(0, +) / Double(count)
        let deviation = (series.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count)).squareRoot()
        let scale = deviation > 0 ? variation / deviation : 0
        for index in series.indices {
            series[index] = meanRR * (1 + (series[index] - mean) * scale)
        }
        return series
    }

    /// An unnormalized Gaussian peak of width `peakWidth` centred at `centre`.
    private static func gaussian(_ frequency: Double, _ centre: Double) -> Double {
        let z = (frequency - centre) / peakWidth
        return exp(-0.5 * z * z)
    }
}
