/// Why an augmentation policy cannot be applied: a parameter outside its range, named with the augmentation it
/// belongs to.
public enum AugmentationPolicyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A probability outside [0, 1] or not finite.
    case probabilityOutOfRange(augmentation: String, probability: Double)
    /// A magnitude parameter outside its range; `expected` says which range.
    case invalidParameter(augmentation: String, parameter: String, value: Double, expected: String)
    /// The sampling frequency, needed to turn seconds and hertz into samples, is not positive and finite.
    case invalidSamplingFrequency(Double)

    public var description: String {
        switch self {
        case let .probabilityOutOfRange(augmentation, probability):
            return "augmentation policy: \(augmentation) probability \(probability) is outside [0, 1]. Give a "
                + "probability from 0 (never) to 1 (always)."
        case let .invalidParameter(augmentation, parameter, value, expected):
            return "augmentation policy: \(augmentation) \(parameter) \(value) is invalid; it must be \(expected)."
        case let .invalidSamplingFrequency(frequency):
            return "augmentation needs the windows' sampling frequency, and \(frequency) Hz is not positive and "
                + "finite. Pass the rate the windows were resampled to (e.g. 500)."
        }
    }

    /// Throws `.probabilityOutOfRange` unless `probability` is in [0, 1].
    static func check(probability: Double, of augmentation: String) throws(AugmentationPolicyError) {
        guard (0...1).contains(probability) else {
            throw .probabilityOutOfRange(augmentation: augmentation, probability: probability)
        }
    }

    /// Throws `.invalidParameter` unless `valid`.
    static func check(_ valid: Bool, _ augmentation: String, _ parameter: String, _ value: Double,
                      expected: String) throws(AugmentationPolicyError) {
        guard valid else {
            throw .invalidParameter(augmentation: augmentation, parameter: parameter, value: value, expected: expected)
        }
    }
}
