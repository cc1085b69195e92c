/// Why a resampler could not be built for the requested rates.
public enum ResamplingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A sampling rate is zero, negative, infinite or NaN.
    case invalidRate(Double)
    /// An up or down factor is not positive.
    case invalidFactors(up: Int, down: Int)
    /// The rates' ratio needs factors above `PolyphaseResampler.maximumFactor` (or more than three decimals).
    case unsupportedRatio(from: Double, to: Double)

    public var description: String {
        switch self {
        case let .invalidRate(rate):
            return "sampling rate \(rate) Hz is not a positive, finite number. Check the record header or the "
                + "target rate."
        case let .invalidFactors(up, down):
            return "resampling factors up \(up) / down \(down) must both be positive."
        case let .unsupportedRatio(from, to):
            return "resampling from \(from) Hz to \(to) Hz needs a rational factor with terms above "
                + "\(PolyphaseResampler.maximumFactor) (rates are read to at most three decimals). Choose a "
                + "target rate with a simpler ratio to the source rate."
        }
    }
}
