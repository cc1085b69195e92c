import Foundation

/// Why a dataset file could not be prepared (bad records are not errors: they are skipped and reported).
public enum ECGDatasetPreparationError: Error, Sendable, CustomStringConvertible {
    /// The source directory cannot be listed.
    case unreadableSource(WFDBRecordError)
    /// The source holds no records at all; `notes` says what the scan left out (links out of the directory).
    case noRecords(source: String, notes: [String] = [])
    /// Every record was skipped; `skips` says why.
    case noUsableRecords(source: String, skips: [ECGRecordSkip])
    /// The split fractions are not three non-negative numbers summing to 1 with a positive training share.
    case invalidSplitFractions(train: Double, validation: Double, test: Double)
    /// An option cannot be used (rate, band-pass, deflate level, simulated record count).
    case invalidOption(String)
    /// The dataset file could not be written.
    case writeFailed(URL, reason: String)

    public var description: String {
        switch self {
        case let .unreadableSource(error):
            return error.description
        case let .noRecords(source, notes):
            guard notes.isEmpty else {
                return "\(source): no WFDB records (.hea files) read: " + notes.joined(separator: "; ")
            }
            return "\(source): no WFDB records (.hea files) found. Check the path; records may be in nested folders."
        case let .noUsableRecords(source, skips):
            let reasons = Dictionary(grouping: skips, by: \.reason).sorted { $0.key < $1.key }
                .map { "\($0.value.count) \($0.key)" }.joined(separator: ", ")
            let first = skips.first.map { " First: \($0.message)" } ?? ""
            return "\(source): all \(skips.count) records were skipped (\(reasons)), so there is nothing to write."
                + first
        case let .invalidSplitFractions(train, validation, test):
            return "split fractions \(train)/\(validation)/\(test) must be non-negative, sum to 1 and give training "
                + "a positive share (e.g. 0.8/0.1/0.1)."
        case let .invalidOption(reason):
            return "invalid preparation option: \(reason)."
        case let .writeFailed(url, reason):
            return "\(url.path): cannot write the dataset file: \(reason)"
        }
    }
}
