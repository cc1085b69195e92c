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
