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
