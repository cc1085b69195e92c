/// Why a band-pass filter could not be designed or applied.
public enum BandPassFilterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The Butterworth order is outside `1...ButterworthBandPassFilter.maximumOrder`.
    case invalidOrder(Int)
    /// The corners are not `0 < low < high < samplingFrequency / 2`, or the sampling frequency is not positive.
    case invalidCorners(low: Double, high: Double, samplingFrequency: Double)
    /// The signal has no more samples than the edge padding (scipy raises the same error).
    case signalTooShort(record: String, samples: Int, padLength: Int)
    /// The filter was designed for another sampling frequency than the record's.
    case samplingFrequencyMismatch(record: String, recordFrequency: Double, filterFrequency: Double)

    public var description: String {
        switch self {
        case let .invalidOrder(order):
            return "Butterworth order \(order) is outside 1...\(ButterworthBandPassFilter.maximumOrder). Choose an "
                + "order in that range (2 to 4 is usual for ECG)."
        case let .invalidCorners(low, high, frequency):
            return "band-pass corners \(low)-\(high) Hz at \(frequency) Hz need 0 < low < high < \(frequency / 2) "
                + "(the Nyquist frequency). Choose corners inside that range, e.g. 0.5-40 Hz."
        case let .signalTooShort(record, samples, padLength):
            return "\(record): \(samples) samples are too few to band-pass; the zero-phase filter pads "
                + "\(padLength) samples at each end and needs more than that. Skip or lengthen this record."
        case let .samplingFrequencyMismatch(record, recordFrequency, filterFrequency):
            return "record \(record) is sampled at \(recordFrequency) Hz but the band-pass filter was designed for "
                + "\(filterFrequency) Hz. Resample the record first or design the filter for its rate."
        }
    }
}
