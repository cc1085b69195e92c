import ECGNets
import Foundation

/// What `prepare` and on-the-fly preparation print: progress lines while records are read, and the summary.
struct PreparationReport {
    /// Prefix of every line (`prepare` or `data`).
    let label: String
    /// Seconds between progress lines.
    let interval: Double
    private var lastShown = 0.0

    /// A report whose lines start with `label:`.
    init(label: String, interval: Double = 2) {
        self.label = label
        self.interval = interval
    }

    /// Prints a progress line at most every `interval` seconds (and none for runs shorter than that).
    mutating func show(_ progress: ECGDatasetPreparationProgress) {
        guard progress.seconds - lastShown >= interval, progress.recordsDone < progress.recordsTotal else { return }
        lastShown = progress.seconds
        let rate = Double(progress.recordsDone) / max(progress.seconds, 1e-9)
        print("\(label): \(progress.recordsDone)/\(progress.recordsTotal) records (\(progress.recordsSkipped) skipped), "
              + "\(String(format: "%.0f", rate)) records/s")
        FileHandle.standardOutput.synchronizeFile()
    }

    /// Prints the summary: records per split, skips by reason with each skipped file, size and time.
    func show(_ summary: ECGDatasetPreparationSummary) {
        let splits = DatasetSplit.allCases.map { "\($0) \(summary.recordsPerSplit[$0] ?? 0)" }.joined(separator: ", ")
        print("\(label): wrote \(summary.url.path): \(summary.recordsKept) of \(summary.recordsRead) records kept "
              + "(\(splits)); \(summary.unlabelledRecords) without a label")
        let counts = summary.skipCounts.sorted { $0.key < $1.key }
        if counts.isEmpty {
            print("\(label): no records skipped")
        } else {
            print("\(label): \(summary.skips.count) records skipped: "
                  + counts.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
            for skip in summary.skips { print("\(label):   skipped \(skip.file): \(skip.reason): \(skip.message)") }
        }
        if summary.maskedLeadRecords.isEmpty {
            print("\(label): every kept record has all its leads")
        } else {
            print("\(label): \(summary.maskedLeadRecords.count) records kept with a flat, NaN or missing lead stored as "
                  + "zeros and masked (--drop-flat-leads skips them):")
            for record in summary.maskedLeadRecords {
                print("\(label):   \(record.recordID): lead \(record.leads.joined(separator: ", ")) masked")
            }
        }
        if summary.clippedSamples > 0 {
            print("\(label): \(summary.clippedSamples) samples beyond ±32.767 mV were clipped")
        }
        print("\(label): \(String(format: "%.1f", Double(summary.bytes) / 1_048_576)) MiB in "
              + "\(String(format: "%.1f", summary.seconds)) s")
    }
}
