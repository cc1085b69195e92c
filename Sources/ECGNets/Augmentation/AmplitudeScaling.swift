import DistTensor

/// Multiplies the signal by a random gain near 1, one per lead or one for the whole record, so the network does
/// not rely on absolute amplitudes that vary with electrode contact and body habitus.
public struct AmplitudeScaling: Sendable, Equatable, Codable {
    /// Chance that a window is scaled.
    public var probability: Double
    /// Gains are drawn uniformly from `[1 - maximumChange, 1 + maximumChange]`; in [0, 1).
    public var maximumChange: Double
    /// One gain per lead (true) or one gain for all leads (false).
    public var perLead: Bool

    /// Scaling by up to `maximumChange` with `probability`.
    public init(probability: Double = 0, maximumChange: Double = 0.2, perLead: Bool = false) {
        self.probability = probability
        self.maximumChange = maximumChange
        self.perLead = perLead
    }

    func validate() throws(AugmentationPolicyError) {
        try AugmentationPolicyError.check(probability: probability, of: "amplitude scaling")
        try AugmentationPolicyError.check((0..<1).contains(maximumChange), "amplitude scaling", "maximumChange",
                                          maximumChange, expected: "in [0, 1) so that gains stay positive")
    }

    /// Scales the real samples of every lead.
    func apply(to window: ECGWindowLayout, using random: inout RandomStream) {
        var gain = Float(random.uniform(1 - maximumChange...1 + maximumChange))
        for lead in 0..<window.leadCount {
            if perLead && lead > 0 { gain = Float(random.uniform(1 - maximumChange...1 + maximumChange)) }
            let samples = window.validSamples(ofLead: lead)
            for index in samples.indices { samples[index] *= gain }
        }
    }
}
