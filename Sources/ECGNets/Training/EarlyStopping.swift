/// Early stopping on a validation metric to maximise (the Challenge metric): a validation improves when
/// its metric exceeds the best so far by more than `minimumDelta`; training should stop once `patience`
/// validations in a row have not improved. Codable, so a checkpoint can carry it across a resume.
public struct EarlyStopping: Sendable, Equatable, Codable {
    /// Validations without improvement after which to stop.
    public let patience: Int
    /// The margin by which a metric must beat the best to count as an improvement.
    public let minimumDelta: Double
    /// The best metric so far, `nil` before the first non-NaN one.
    public private(set) var bestMetric: Double?
    /// Index (from 0) of the validation that gave `bestMetric`.
    public private(set) var bestValidation: Int?
    /// Validations recorded.
    public private(set) var validations: Int
    /// Validations since the best one.
    public private(set) var validationsWithoutImprovement: Int

    /// Stops after `patience` (≥ 1) validations without an improvement of more than `minimumDelta` (≥ 0).
    public init(patience: Int, minimumDelta: Double = 0) throws(EarlyStoppingError) {
        guard patience >= 1 else { throw .invalidPatience(patience) }
        guard minimumDelta.isFinite, minimumDelta >= 0 else { throw .invalidMinimumDelta(minimumDelta) }
        self.patience = patience
        self.minimumDelta = minimumDelta
        bestMetric = nil
        bestValidation = nil
        validations = 0
        validationsWithoutImprovement = 0
    }

    /// Records one validation's metric and returns whether it is the new best (so the caller can keep
    /// that checkpoint); NaN never improves.
    @discardableResult
    public mutating func record(metric: Double) -> Bool {
        let improved = !metric.isNaN && (bestMetric.map { metric > $0 + minimumDelta } ?? true)
        if improved {
            bestMetric = metric
            bestValidation = validations
            validationsWithoutImprovement = 0
        } else {
            validationsWithoutImprovement += 1
        }
        validations += 1
        return improved
    }

    /// Whether training should stop: `patience` validations in a row without improvement.
    public var shouldStop: Bool { validationsWithoutImprovement >= patience }
}

/// Invalid early-stopping settings, named so the option can be fixed.
public enum EarlyStoppingError: Error, CustomStringConvertible, Equatable {
    /// A negative patience.
    case invalidPatience(Int)
    /// A negative or non-finite minimum improvement.
    case invalidMinimumDelta(Double)

    public var description: String {
        switch self {
        case let .invalidPatience(patience):
            "the early-stopping patience \(patience) must be 1 or more validations"
        case let .invalidMinimumDelta(delta):
            "the early-stopping minimum improvement \(delta) must be a finite number of at least 0"
        }
    }
}
