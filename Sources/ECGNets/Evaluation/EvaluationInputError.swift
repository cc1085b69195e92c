/// Errors in the arrays handed to evaluation (probabilities, targets, thresholds, record ids): they come
/// from a model and a dataset, so a mismatch is reported rather than trapped.
public enum EvaluationInputError: Error, CustomStringConvertible, Equatable {
    /// The probability and target arrays are not both `[samples × classes]`.
    case shapeMismatch(probabilities: Int, targets: Int, classes: Int)
    /// The thresholds are for other output classes than the predictions.
    case thresholdClassesMismatch(expected: [String], found: [String])
    /// The number of record ids differs from the number of samples.
    case recordIDCountMismatch(samples: Int, recordIDs: Int)
    /// A threshold is not a finite number.
    case nonFiniteThreshold(code: String, value: Double)

    public var description: String {
        switch self {
        case let .shapeMismatch(probabilities, targets, classes):
            "probabilities (\(probabilities) values) and targets (\(targets) values) must both hold "
                + "samples × \(classes) values, one per output class of every sample; pass the gathered "
                + "model outputs and targets of the same samples"
        case let .thresholdClassesMismatch(expected, found):
            "the decision thresholds are for \(found.count) classes (\(found.prefix(3).joined(separator: ","))…) "
                + "but the predictions have \(expected.count) (\(expected.prefix(3).joined(separator: ","))…); "
                + "use thresholds tuned for the same output classes, in the same order"
        case let .recordIDCountMismatch(samples, recordIDs):
            "\(recordIDs) record ids for \(samples) samples; give one record id per sample"
        case let .nonFiniteThreshold(code, value):
            "the decision threshold of class \(code) is \(value); thresholds must be finite numbers"
        }
    }
}
