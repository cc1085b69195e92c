import DistTensor

/// Sets whole leads to zero, as when an electrode is off, so the network does not depend on any single lead.
/// Between 1 and `maximumLeads` distinct leads are dropped (uniform count, uniform choice), but never all of them.
public struct LeadDropout: Sendable, Equatable, Codable {
    /// Chance that a window loses leads.
    public var probability: Double
    /// The most leads dropped from one window; non-negative (0 drops nothing). At most `leadCount - 1` are dropped.
    public var maximumLeads: Int

    /// Dropout of up to `maximumLeads` leads with `probability`.
    public init(probability: Double = 0, maximumLeads: Int = 2) {
        self.probability = probability
        self.maximumLeads = maximumLeads
    }

    func validate() throws(AugmentationPolicyError) {
        try AugmentationPolicyError.check(probability: probability, of: "lead dropout")
        try AugmentationPolicyError.check(maximumLeads >= 0, "lead dropout", "maximumLeads", Double(maximumLeads),
                                          expected: ">= 0")
    }

    /// Zeroes the drawn leads over the whole window.
    func apply(to window: ECGWindowLayout, using random: inout RandomStream) {
        let most = min(maximumLeads, window.leadCount - 1)
        guard most >= 1 else { return }
        let dropped = 1 + random.nextIndex(below: most)
        var leads = Array(0..<window.leadCount)
        for position in 0..<dropped {
            // A partial Fisher-Yates shuffle: position `position` gets a uniform pick of the leads not yet chosen.
            leads.swapAt(position, position + random.nextIndex(below: window.leadCount - position))
            let start = leads[position] * window.length
            for index in start..<(start + window.length) { window.samples[index] = 0 }
        }
    }
}
