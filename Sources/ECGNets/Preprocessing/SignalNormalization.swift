/// How each window's leads are scaled before the network sees them; recorded in checkpoints, so evaluation and
/// prediction scale as training did.
public enum SignalNormalization: String, Sendable, Codable, CaseIterable {
    /// Each lead to zero mean and unit standard deviation (`LeadStandardization`): evens out gains between
    /// recordings, and with them the absolute amplitude that criteria such as low QRS voltage are defined on.
    case perLead = "lead"
    /// Each lead's mean removed, amplitudes kept in millivolts: keeps what amplitude criteria (low QRS voltage,
    /// hypertrophy voltages) measure, at the cost of leaving gain differences between recordings to the network.
    case centered

    /// Normalises `window` (`leadCount` rows laid out `[lead][sample]`) over its first `validLength` samples;
    /// padding stays 0.
    public func apply(to window: UnsafeMutableBufferPointer<Float>, leadCount: Int, validLength: Int) throws(ECGWindowingError) {
        let layout = try ECGWindowLayout(window, leadCount: leadCount, validLength: validLength)
        switch self {
        case .perLead:
            LeadStandardization.standardize(layout)
        case .centered:
            for lead in 0..<leadCount {
                let samples = layout.validSamples(ofLead: lead)
                guard !samples.isEmpty else { continue }
                let mean = LeadStandardization.meanAndStandardDeviation(of: UnsafeBufferPointer(samples)).mean
                for index in samples.indices { samples[index] = Float(Double(samples[index]) - mean) }
            }
        }
    }
}
