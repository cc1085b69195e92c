import DistTensor

/// Moves all leads together by a random number of samples, so the network does not tie findings to a position in
/// the window. Positive shifts move the signal later (sample `t` goes to `t + shift`).
///
/// The shift acts on the real samples `0..<validLength` only, so a padded window keeps its padding at the end.
public struct TimeShift: Sendable, Equatable, Codable {
    /// What fills the samples that a shift uncovers.
    public enum Mode: String, Sendable, Codable {
        /// The samples shifted out at one end come back at the other (a rotation).
        case circular
        /// Uncovered samples are 0 and samples shifted out are lost.
        case zeroFill
    }

    /// Chance that a window is shifted.
    public var probability: Double
    /// Shifts are drawn uniformly from `-s...s` samples, `s = round(maximumShift * samplingFrequency)`; in
    /// seconds, non-negative.
    public var maximumShift: Double
    public var mode: Mode

    /// Shifts of up to `maximumShift` seconds in `mode` with `probability`.
    public init(probability: Double = 0, maximumShift: Double = 1, mode: Mode = .circular) {
        self.probability = probability
        self.maximumShift = maximumShift
        self.mode = mode
    }

    func validate() throws(AugmentationPolicyError) {
        try AugmentationPolicyError.check(probability: probability, of: "time shift")
        try AugmentationPolicyError.check(maximumShift >= 0 && maximumShift <= 3600, "time shift", "maximumShift",
                                          maximumShift, expected: "from 0 to 3600 seconds")
    }

    /// Shifts every lead's real samples by one drawn amount.
    func apply(to window: ECGWindowLayout, using random: inout RandomStream, samplingFrequency: Double) {
        let shift = random.nextSymmetricInteger(magnitude: Int((maximumShift * samplingFrequency).rounded()))
        let count = window.validLength
        guard shift != 0, count > 0 else { return }
        for lead in 0..<window.leadCount {
            let samples = window.validSamples(ofLead: lead)
            switch mode {
            case .circular:
                // Rotating right by r: reverse all, then reverse the first r and the remaining count - r.
                let right = ((shift % count) + count) % count
                reverse(samples, 0, count)
                reverse(samples, 0, right)
                reverse(samples, right, count)
            case .zeroFill where shift > 0:
                let moved = max(count - shift, 0)
                for index in stride(from: count - 1, through: count - moved, by: -1) {
                    samples[index] = samples[index - shift]
                }
                for index in 0..<(count - moved) { samples[index] = 0 }
            case .zeroFill:
                let moved = max(count + shift, 0)
                for index in 0..<moved { samples[index] = samples[index - shift] }
                for index in moved..<count { samples[index] = 0 }
            }
        }
    }

    /// Reverses `samples[start..<end]` in place.
    private func reverse(_ samples: UnsafeMutableBufferPointer<Float>, _ start: Int, _ end: Int) {
        var (low, high) = (start, end - 1)
        while low < high {
            samples.swapAt(low, high)
            low += 1
            high -= 1
        }
    }
}
