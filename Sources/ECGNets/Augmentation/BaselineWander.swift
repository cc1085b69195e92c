import DistTensor
import Foundation

/// Adds slow sinusoids below 1 Hz, imitating the baseline wander that breathing and movement cause, so the
/// network learns to ignore it.
///
/// Each of `sinusoidCount` sinusoids has one frequency for the whole record (drawn uniformly from
/// `lowestFrequency...highestFrequency`, as one breathing rhythm shows in every lead) and, in each lead, its own
/// phase (uniform) and amplitude (uniform in `[0, maximumAmplitude / sinusoidCount]`), so the added wander never
/// exceeds `maximumAmplitude` in magnitude.
public struct BaselineWander: Sendable, Equatable, Codable {
    /// Chance that a window gets wander.
    public var probability: Double
    /// The largest peak of the added wander, in the window's units (mV before standardisation); non-negative.
    public var maximumAmplitude: Double
    /// The lowest sinusoid frequency in Hz; positive.
    public var lowestFrequency: Double
    /// The highest sinusoid frequency in Hz; at least `lowestFrequency` and at most `BaselineWander.frequencyLimit`.
    public var highestFrequency: Double
    /// Sinusoids added; 1 to `BaselineWander.maximumSinusoids`.
    public var sinusoidCount: Int

    /// Wander is by definition slow: frequencies above 1 Hz would overlap heart-rate content.
    public static let frequencyLimit = 1.0
    public static let maximumSinusoids = 16

    /// Wander of up to `maximumAmplitude` from `sinusoidCount` sinusoids in the given band, with `probability`.
    public init(probability: Double = 0, maximumAmplitude: Double = 0.2, lowestFrequency: Double = 0.05,
                highestFrequency: Double = 0.5, sinusoidCount: Int = 2) {
        self.probability = probability
        self.maximumAmplitude = maximumAmplitude
        self.lowestFrequency = lowestFrequency
        self.highestFrequency = highestFrequency
        self.sinusoidCount = sinusoidCount
    }

    func validate() throws(AugmentationPolicyError) {
        let name = "baseline wander"
        try AugmentationPolicyError.check(probability: probability, of: name)
        try AugmentationPolicyError.check(maximumAmplitude >= 0 && maximumAmplitude.isFinite, name,
                                          "maximumAmplitude", maximumAmplitude, expected: "finite and >= 0")
        try AugmentationPolicyError.check(lowestFrequency > 0, name, "lowestFrequency", lowestFrequency,
                                          expected: "above 0 Hz")
        try AugmentationPolicyError.check(highestFrequency >= lowestFrequency
                                          && highestFrequency <= Self.frequencyLimit, name, "highestFrequency",
                                          highestFrequency,
                                          expected: "between lowestFrequency and \(Self.frequencyLimit) Hz")
        try AugmentationPolicyError.check((1...Self.maximumSinusoids).contains(sinusoidCount), name,
                                          "sinusoidCount", Double(sinusoidCount),
                                          expected: "from 1 to \(Self.maximumSinusoids)")
    }

    /// Adds the sinusoids to the real samples of every lead; `samplingFrequency` turns samples into seconds.
    func apply(to window: ECGWindowLayout, using random: inout RandomStream, samplingFrequency: Double) {
        let amplitudeLimit = maximumAmplitude / Double(sinusoidCount)
        for _ in 0..<sinusoidCount {
            let frequency = random.uniform(lowestFrequency...highestFrequency)
            let radiansPerSample = 2 * Double.pi * frequency / samplingFrequency
            for lead in 0..<window.leadCount {
                let amplitude = random.uniform(0...amplitudeLimit)
                let phase = random.uniform(0...2 * Double.pi)
                let samples = window.validSamples(ofLead: lead)
                for index in samples.indices {
                    samples[index] += Float(amplitude * sin(radiansPerSample * Double(index) + phase))
                }
            }
        }
    }
}
