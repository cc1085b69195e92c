/// The optional band-pass of dataset preparation, given by its corners so it can be designed at the dataset's
/// sampling frequency (`ButterworthBandPassFilter`, zero-phase like scipy's `sosfiltfilt`).
public struct ECGBandPass: Sendable, Equatable, CustomStringConvertible {
    public let order: Int
    /// Lower -3 dB corner in Hz.
    public let lowCutoff: Double
    /// Upper -3 dB corner in Hz.
    public let highCutoff: Double

    /// A Butterworth band-pass of `order` between `lowCutoff` and `highCutoff` Hz (checked when designed).
    public init(order: Int = 4, lowCutoff: Double = 0.5, highCutoff: Double = 40) {
        self.order = order
        self.lowCutoff = lowCutoff
        self.highCutoff = highCutoff
    }

    /// The filter for signals sampled at `samplingFrequency` Hz.
    public func filter(samplingFrequency: Double) throws(BandPassFilterError) -> ButterworthBandPassFilter {
        try ButterworthBandPassFilter(order: order, lowCutoff: lowCutoff, highCutoff: highCutoff,
                                      samplingFrequency: samplingFrequency)
    }

    /// `ORDER:LOW:HIGH`, the band-pass's field in `ECGDatasetPreparationOptions.canonicalDescription`.
    var canonicalText: String { "\(order):\(lowCutoff):\(highCutoff)" }

    /// The band-pass a `canonicalText` names, nil if the text is not one.
    init?(canonicalText text: Substring) {
        let parts = text.split(separator: ":")
        guard parts.count == 3, let order = Int(parts[0]), let low = Double(parts[1]), let high = Double(parts[2]) else {
            return nil
        }
        self.init(order: order, lowCutoff: low, highCutoff: high)
    }

    /// What the dataset file's `band_pass` attribute says, e.g. `Butterworth order 4, 0.5-40 Hz, zero-phase
    /// (scipy.signal.sosfiltfilt)`.
    public var description: String {
        "Butterworth order \(order), \(lowCutoff)-\(highCutoff) Hz, zero-phase (scipy.signal.sosfiltfilt)"
    }
}
