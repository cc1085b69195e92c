/// One record's classifier outputs merged onto the scoring classes, with the output columns that named
/// no scored class (reported, not scored).
public struct ClassOutputs: Sendable, Equatable {
    /// The decision per scoring class.
    public let binary: [Bool]
    /// The probability per scoring class.
    public let probabilities: [Double]
    /// The output columns that matched no scoring class.
    public let ignoredCodes: [String]
}
