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
