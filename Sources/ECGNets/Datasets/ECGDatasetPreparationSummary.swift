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
    /// Records kept with a flat, NaN or missing lead stored as zeros (and masked), in the order written.
    public let maskedLeadRecords: [ECGMaskedLeadRecord]
    /// Every record left out, in the order found.
    public let skips: [ECGRecordSkip]
    /// Warnings about kept records (a record line naming another record than the file, checksum mismatches).
    public let warnings: [ECGRecordFinding]
    /// What the scan of the data directory did not enter, and why (symbolic links out of it, loops).
    public let notices: [String]
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

/// A record kept although some of its leads could not be used: which leads are zero in it, and why.
public struct ECGMaskedLeadRecord: Sendable, Equatable {
    public let recordID: String
    /// The masked leads, by name.
    public let leads: [String]
    /// What was wrong with each (the record finding, or that the lead is absent).
    public let problems: [String]
}
