import Foundation

/// What a preparation produced: records kept per split, records skipped with their reasons, and cost.
public struct ECGDatasetPreparationSummary: Sendable {
    /// The dataset file written.
    public let url: URL
    /// Records examined (kept + skipped).
    public let recordsRead: Int
    /// Records written, per split.
    public let recordsPerSplit: [DatasetSplit: Int]
    /// Records written that have no scored label (kept as negatives).
    public let unlabelledRecords: Int
    /// Samples clipped to the int16 range, over all records.
    public let clippedSamples: Int
    /// Every record left out, in the order found.
    public let skips: [ECGRecordSkip]
    /// Size of the written file.
    public let bytes: Int64
    /// Wall-clock time of the whole preparation.
    public let seconds: Double

    /// Records written.
    public var recordsKept: Int { recordsPerSplit.values.reduce(0, +) }

    /// Skipped records counted by reason (reasons with no skip are absent).
    public var skipCounts: [ECGRecordSkipReason: Int] {
        Dictionary(grouping: skips, by: \.reason).mapValues(\.count)
    }
}
