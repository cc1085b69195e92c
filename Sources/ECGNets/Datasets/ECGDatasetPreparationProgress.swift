/// How far a preparation has got, reported after every block of records.
public struct ECGDatasetPreparationProgress: Sendable {
    /// Records examined so far.
    public let recordsDone: Int
    /// Records to examine in all.
    public let recordsTotal: Int
    /// Records skipped so far.
    public let recordsSkipped: Int
    /// Seconds since the preparation started.
    public let seconds: Double
}
