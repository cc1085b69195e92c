/// How the learning rate changes over a run; the parameters only, the progress lives in
/// `LearningRateScheduler`.
public enum LearningRateSchedule: Sendable, Equatable, Codable {
    /// The base learning rate throughout.
    case constant
    /// Per optimizer step: a linear warm-up over `warmupSteps` steps (step s, counted from 0, uses
    /// base · (s + 1) / warmupSteps, so step warmupSteps − 1 reaches the base rate), then a cosine decay
    /// from the base rate to `floor` at step `totalSteps`, the floor after that:
    /// floor + (base − floor) · (1 + cos(π · (s − warmupSteps) / (totalSteps − warmupSteps))) / 2.
    case warmupCosine(warmupSteps: Int, totalSteps: Int, floor: Double)
    /// Per validation, for a metric to maximise (as `torch.optim.lr_scheduler.ReduceLROnPlateau` in mode
    /// "max", threshold mode "abs", no cooldown): a validation improves if its metric exceeds the best so
    /// far by more than `minimumImprovement`; after more than `patience` validations in a row without
    /// improvement the rate is multiplied by `factor` (not below `minimumLearningRate`) and the count
    /// starts again.
    case reduceOnPlateau(factor: Double, patience: Int, minimumLearningRate: Double, minimumImprovement: Double)

    /// Checks the parameters (positive step counts, a factor in (0, 1), ...).
    public func validate() throws(LearningRateScheduleError) {
        switch self {
        case .constant:
            return
        case let .warmupCosine(warmupSteps, totalSteps, floor):
            guard warmupSteps >= 0, totalSteps > warmupSteps else {
                throw .invalidStepCounts(warmupSteps: warmupSteps, totalSteps: totalSteps)
            }
            guard floor.isFinite, floor >= 0 else { throw .invalidRate(name: "floor", value: floor) }
        case let .reduceOnPlateau(factor, patience, minimumLearningRate, minimumImprovement):
            guard factor > 0, factor < 1 else { throw .invalidFactor(factor) }
            guard patience >= 0 else { throw .invalidPatience(patience) }
            guard minimumLearningRate.isFinite, minimumLearningRate >= 0 else {
                throw .invalidRate(name: "minimum learning rate", value: minimumLearningRate)
            }
            guard minimumImprovement.isFinite, minimumImprovement >= 0 else {
                throw .invalidRate(name: "minimum improvement", value: minimumImprovement)
            }
        }
    }
}

/// Invalid parameters of a learning-rate schedule, named so the option can be fixed.
public enum LearningRateScheduleError: Error, CustomStringConvertible, Equatable {
    /// The base learning rate is not a positive finite number.
    case invalidBaseRate(Double)
    /// Warm-up and total step counts that leave no decay phase.
    case invalidStepCounts(warmupSteps: Int, totalSteps: Int)
    /// A plateau factor outside (0, 1).
    case invalidFactor(Double)
    /// A negative plateau patience.
    case invalidPatience(Int)
    /// A rate-like parameter that is negative or not finite.
    case invalidRate(name: String, value: Double)

    public var description: String {
        switch self {
        case let .invalidBaseRate(rate):
            "the learning rate \(rate) must be a positive finite number"
        case let .invalidStepCounts(warmupSteps, totalSteps):
            "a warm-up of \(warmupSteps) steps needs more total steps than that (got \(totalSteps)); "
                + "give at least 0 warm-up steps and a total above them"
        case let .invalidFactor(factor):
            "the plateau factor \(factor) must lie strictly between 0 and 1 (e.g. 0.1)"
        case let .invalidPatience(patience):
            "the plateau patience \(patience) must be 0 or more validations"
        case let .invalidRate(name, value):
            "the \(name) \(value) must be a finite number of at least 0"
        }
    }
}
