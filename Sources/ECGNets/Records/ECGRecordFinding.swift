import Foundation

/// A problem found in a record that was read successfully: bad leads (errors: the record should not be trained
/// on) or header bookkeeping that disagrees with the samples (warnings).
///
/// Checksum and initial-value mismatches are warnings, not errors: the samples themselves decoded fine, the WFDB
/// library also only warns about them and goes on, and the Challenge's own loaders never look at checksums. They
/// do point at a header and a signal file that may not belong together, so they are reported, not dropped.
public enum ECGRecordFinding: Sendable, Equatable, CustomStringConvertible {
    /// How serious a finding is.
    public enum Severity: Sendable, Equatable {
        /// The record can be used, but something is off.
        case warning
        /// The record should not be used as it is.
        case error
    }

    /// The header's checksum for a signal is not the 16-bit sum of its samples.
    case checksumMismatch(file: URL, lead: String, headerChecksum: Int, computedChecksum: Int)
    /// The header's initial value for a signal is not its first sample.
    case initialValueMismatch(file: URL, lead: String, headerValue: Int, firstSample: Int)
    /// The header's record line names another record than its file name does (the file name is used).
    case recordNameMismatch(file: URL, recordLine: String, fileName: String)
    /// A lead holds NaN samples (WFDB invalid-sample markers) or infinities.
    case nonFiniteSamples(file: URL, lead: String, count: Int)
    /// A lead is the same value throughout (a flat line: disconnected or missing lead), e.g. constant zero.
    case constantLead(file: URL, lead: String, millivolts: Float)
    /// The record has no samples at all.
    case emptyRecord(file: URL)

    /// The lead the finding is about, nil for the whole record.
    public var lead: String? {
        switch self {
        case let .checksumMismatch(_, lead, _, _), let .initialValueMismatch(_, lead, _, _),
             let .nonFiniteSamples(_, lead, _), let .constantLead(_, lead, _): lead
        case .emptyRecord, .recordNameMismatch: nil
        }
    }

    public var severity: Severity {
        switch self {
        case .checksumMismatch, .initialValueMismatch, .recordNameMismatch: return .warning
        case .nonFiniteSamples, .constantLead, .emptyRecord: return .error
        }
    }

    public var description: String {
        switch self {
        case let .checksumMismatch(file, lead, headerChecksum, computedChecksum):
            return "warning: \(file.path): lead \(lead): the header's checksum \(headerChecksum) is not the 16-bit "
                + "sum of the samples (\(computedChecksum)); the header may not belong to this signal file."
        case let .initialValueMismatch(file, lead, headerValue, firstSample):
            return "warning: \(file.path): lead \(lead): the header's initial value \(headerValue) is not the first "
                + "sample (\(firstSample)); the header may not belong to this signal file."
        case let .recordNameMismatch(file, recordLine, fileName):
            return "warning: \(file.path): the record line names record \"\(recordLine.sanitizedForDisplay)\", not "
                + "\"\(fileName.sanitizedForDisplay)\" as the file does; the record is called \(fileName.sanitizedForDisplay) "
                + "(its outputs are \(fileName.sanitizedForDisplay).csv). Correct the record line or rename the files."
        case let .nonFiniteSamples(file, lead, count):
            return "error: \(file.path): lead \(lead) has \(count) NaN or infinite samples (missing data). "
                + "Exclude the record or repair the lead."
        case let .constantLead(file, lead, millivolts):
            let level = millivolts == 0 ? "constant zero" : "constant at \(millivolts) mV"
            return "error: \(file.path): lead \(lead) is \(level) (flat line: lead off or missing). "
                + "Exclude the record or repair the lead."
        case let .emptyRecord(file):
            return "error: \(file.path): the record has no samples. Exclude the record."
        }
    }
}
