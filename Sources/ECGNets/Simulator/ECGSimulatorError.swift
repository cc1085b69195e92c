/// Why an `ECGSimulator` could not be configured.
public enum ECGSimulatorError: Error, CustomStringConvertible, Equatable {
    /// The sampling rate is not a number in the supported range.
    case unsupportedSamplingRate(Double)
    /// The duration is not a number of seconds in the supported range.
    case unsupportedDuration(Double)
    /// The powerline frequency is not positive or not below the Nyquist frequency.
    case unsupportedPowerlineFrequency(Double, samplingRate: Double)

    public var description: String {
        switch self {
        case let .unsupportedSamplingRate(rate):
            "ECG simulator: sampling rate \(rate) Hz is not supported; "
                + "choose one in \(ECGSimulator.Configuration.samplingRates) Hz (500 Hz is the CinC standard)."
        case let .unsupportedDuration(duration):
            "ECG simulator: duration \(duration) s is not supported; "
                + "choose one in \(ECGSimulator.Configuration.durations) s (10 s is the CinC standard)."
        case let .unsupportedPowerlineFrequency(frequency, rate):
            "ECG simulator: powerline frequency \(frequency) Hz cannot be drawn at \(rate) Hz sampling; "
                + "use 50 or 60 Hz with a sampling rate above twice that, or none."
        }
    }
}
