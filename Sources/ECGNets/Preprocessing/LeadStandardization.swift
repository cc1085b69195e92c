/// Per-lead standardisation of a window: each lead's real samples get zero mean and unit (population) standard
/// deviation, so leads recorded with different gains and offsets reach the network on one scale.
///
/// Means and deviations are computed in double precision over the real samples `0..<validLength` only; padding
/// stays 0 (the standardised mean). A lead whose standard deviation is below `minimumStandardDeviation` (a flat
/// or disconnected lead) becomes all zeros rather than NaN or amplified rounding noise.
public enum LeadStandardization {
    /// Leads flatter than this (in the window's units, mV for a fresh window) are set to 0: 1e-6 mV is far below
    /// one step of any ECG digitiser in use (0.5 to 5 µV), so only constant leads fall under it.
    public static let minimumStandardDeviation = 1e-6

    /// Standardises each lead of `window`, `leadCount` rows laid out `[lead][sample]`, over its first
    /// `validLength` samples.
    public static func standardize(_ window: UnsafeMutableBufferPointer<Float>, leadCount: Int,
                                   validLength: Int) throws(ECGWindowingError) {
        standardize(try ECGWindowLayout(window, leadCount: leadCount, validLength: validLength))
    }

    /// Standardises each lead of `window` over its real samples.
    public static func standardize(_ window: inout ECGWindow) {
        window.withLayout(standardize)
    }

    static func standardize(_ layout: ECGWindowLayout) {
        for lead in 0..<layout.leadCount {
            let samples = layout.validSamples(ofLead: lead)
            guard !samples.isEmpty else { continue }
            let (mean, deviation) = meanAndStandardDeviation(of: UnsafeBufferPointer(samples))
            if deviation < minimumStandardDeviation {
                samples.update(repeating: 0)
            } else {
                for index in samples.indices { samples[index] = Float((Double(samples[index]) - mean) / deviation) }
            }
        }
    }

    /// The mean and the population standard deviation (divisor n) of `samples`, by two passes in double.
    static func meanAndStandardDeviation(of samples: UnsafeBufferPointer<Float>) -> (mean: Double, deviation: Double) {
        guard !samples.isEmpty else { return (0, 0) }
        var sum = 0.0
        for value in samples { sum += Double(value) }
        let mean = sum / Double(samples.count)
        var squares = 0.0
        for value in samples {
            let difference = Double(value) - mean
            squares += difference * difference
        }
        return (mean, (squares / Double(samples.count)).squareRoot())
    }
}

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
