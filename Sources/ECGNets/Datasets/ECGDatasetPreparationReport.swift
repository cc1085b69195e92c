import Foundation

/// What `prepare` and on-the-fly preparation tell a person: progress lines while records are read, and the
/// summary, each line handed to `output` (the command line prints them).
public struct ECGDatasetPreparationReport {
    /// Prefix of every line (`prepare` or `data`).
    public let label: String
    /// Seconds between progress lines.
    public let interval: Double
    private let output: (String) -> Void
    private var lastShown = 0.0

    /// A report whose lines start with `label:`.
    public init(label: String, interval: Double = 2, output: @escaping (String) -> Void) {
        self.label = label
        self.interval = interval
        self.output = output
    }

    /// A progress line at most every `interval` seconds (and none for runs shorter than that).
    public mutating func show(_ progress: ECGDatasetPreparationProgress) {
        guard progress.seconds - lastShown >= interval, progress.recordsDone < progress.recordsTotal else { return }
        lastShown = progress.seconds
        let rate = Double(progress.recordsDone) / max(progress.seconds, 1e-9)
        output("\(label): \(progress.recordsDone)/\(progress.recordsTotal) records (\(progress.recordsSkipped) skipped), "
              + "\(String(format: "%.0f", rate)) records/s")
    }

    /// The summary: records per split, skips by reason with each skipped file, size and time.
    public func show(_ summary: ECGDatasetPreparationSummary) {
        let splits = DatasetSplit.allCases.map { "\($0) \(summary.recordsPerSplit[$0] ?? 0)" }.joined(separator: ", ")
        output("\(label): wrote \(summary.url.path): \(summary.recordsKept) of \(summary.recordsRead) records kept "
              + "(\(splits)); \(summary.unlabelledRecords) without a label")
        let counts = summary.skipCounts.sorted { $0.key < $1.key }
        if counts.isEmpty {
            output("\(label): no records skipped")
        } else {
            output("\(label): \(summary.skips.count) records skipped: "
                  + counts.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            for skip in summary.skips { output("\(label):   skipped \(skip.file): \(skip.reason): \(skip.message)") }
        }
        if summary.maskedLeadRecords.isEmpty {
            output("\(label): every kept record has all its leads")
        } else {
            output("\(label): \(summary.maskedLeadRecords.count) records kept with a flat, NaN or missing lead stored as "
                   + "zeros and masked (--drop-flat-leads skips them):")
            for record in summary.maskedLeadRecords {
                output("\(label):   \(record.recordID): lead \(record.leads.joined(separator: ", ")) masked")
            }
        }
        if !summary.warnings.isEmpty {
            output("\(label): \(summary.warnings.count) warning(s) about kept records:")
            for warning in summary.warnings { output("\(label):   \(warning.description)") }
        }
        for notice in summary.notices { output("\(label): note: \(notice)") }
        if summary.clippedSamples > 0 {
            output("\(label): \(summary.clippedSamples) samples beyond ±32.767 mV were clipped")
        }
        output("\(label): \(String(format: "%.1f", Double(summary.bytes) / 1_048_576)) MiB in "
              + "\(String(format: "%.1f", summary.seconds)) s")
    }
}
