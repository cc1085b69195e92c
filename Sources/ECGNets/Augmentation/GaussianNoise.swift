import DistTensor

/// Adds white Gaussian noise to every real sample, standing in for muscle and electrode noise.
public struct GaussianNoise: Sendable, Equatable, Codable {
    /// What `standardDeviation` is measured in.
    public enum Scale: String, Sendable, Codable {
        /// In the window's units: millivolts before standardisation, standard deviations after it.
        case absolute
        /// A fraction of each lead's own standard deviation over the window's real samples.
        case relativeToLead
    }

    /// Chance that a window gets noise.
    public var probability: Double
    /// The noise's standard deviation, in `scale`'s units; non-negative.
    public var standardDeviation: Double
    public var scale: Scale

    /// Noise of `standardDeviation` (in `scale`'s units) with `probability`.
    public init(probability: Double = 0, standardDeviation: Double = 0.05, scale: Scale = .relativeToLead) {
        self.probability = probability
        self.standardDeviation = standardDeviation
        self.scale = scale
    }

    func validate() throws(AugmentationPolicyError) {
        try AugmentationPolicyError.check(probability: probability, of: "Gaussian noise")
        try AugmentationPolicyError.check(standardDeviation >= 0 && standardDeviation.isFinite, "Gaussian noise",
                                          "standardDeviation", standardDeviation, expected: "finite and >= 0")
    }

    /// Adds independent noise to each real sample of each lead.
    func apply(to window: ECGWindowLayout, using random: inout RandomStream) {
        for lead in 0..<window.leadCount {
            let samples = window.validSamples(ofLead: lead)
            var sigma = standardDeviation
            if scale == .relativeToLead {
                sigma *= LeadStandardization.meanAndStandardDeviation(of: UnsafeBufferPointer(samples)).deviation
            }
            for index in samples.indices { samples[index] += Float(random.nextNormal() * sigma) }
        }
    }
}
