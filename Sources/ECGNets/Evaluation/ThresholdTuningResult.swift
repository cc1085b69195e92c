/// The outcome of tuning decision thresholds: the thresholds and the Challenge metric on the tuning data
/// before (every class at the initial threshold) and after, both computed by the official scorer's rules.
public struct ThresholdTuningResult: Sendable, Equatable {
    /// The tuned threshold of every output class.
    public let thresholds: DecisionThresholds
    /// The Challenge metric with every class at the initial threshold.
    public let initialMetric: Double
    /// The Challenge metric with the tuned thresholds; never below `initialMetric`.
    public let tunedMetric: Double
    /// Passes over the classes that were run (the last one changed nothing unless the limit was reached).
    public let sweeps: Int
}
