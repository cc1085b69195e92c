/// Why dataset preparation left a record out; the raw value names the count in the dataset file's global
/// attributes (`skipped_<raw value>`) and in the summary.
public enum ECGRecordSkipReason: String, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// The signal file holds fewer bytes than its header (or its MAT header) announces.
    case truncatedSignalFile = "truncated_signal_file"
    /// The header's number of leads disagrees with its signal lines or with the data matrix.
    case leadCountMismatch = "lead_count_mismatch"
    /// The signal file is in a format this reader does not know (or is not a Challenge MAT int16 `val` matrix).
    case unsupportedFormat = "unsupported_format"
    /// The header names a signal file that does not exist.
    case missingSignalFile = "missing_signal_file"
    /// The `# Dx:` comment is not a list of numeric SNOMED-CT codes.
    case invalidDiagnosis = "invalid_dx"
    /// A lead holds NaN (WFDB's missing-sample marker) or infinite samples (only with `dropsFlatLeads`).
    case nonFiniteLead = "nan_lead"
    /// A lead is constant (e.g. all zero: lead off) or missing (only with `dropsFlatLeads`), or the record has
    /// no samples.
    case flatLead = "flat_lead"
    /// The leads are not the 12 standard leads (I, II, III, aVR, aVL, aVF, V1-V6).
    case nonstandardLeads = "nonstandard_leads"
    /// The record lacks a lead the network reads (evaluation and prediction only; training masks it).
    case missingLead = "missing_lead"
    /// The header cannot be read or parsed (other than its Dx comment).
    case malformedHeader = "malformed_header"
    /// The signal file is damaged in another way (trailing bytes, unreadable, inconsistent signal lines, samples
    /// disagreeing with the header's sample count).
    case damagedSignalFile = "damaged_signal_file"
    /// The signal cannot be brought to the dataset's form (units, a sampling rate that cannot be resampled, too
    /// short for the band-pass filter).
    case unusableSignal = "unusable_signal"
    /// None of the Dx codes is a scored class and unlabelled records were asked to be dropped.
    case noScoredLabel = "no_scored_label"
    /// The labels come from a reference file (`REFERENCE.csv`) that has no usable line for the record.
    case noReferenceLabel = "no_reference_label"
    /// A file of the record lies outside the data directory (`..` in a signal file name, or a symbolic link leading
    /// out of it without `--follow-symlinks-outside`); it was not opened.
    case outsideDataDirectory = "outside_data_directory"
    /// A file of the record is larger, or the record holds more samples, than a record may (before or after
    /// resampling); nothing that large is allocated.
    case oversizedRecord = "oversized_record"

    /// A short phrase for summaries ("truncated signal file", ...).
    public var description: String { rawValue.replacingOccurrences(of: "_", with: " ") }

    /// Reasons order as declared, so summaries list them in the same order every time.
    public static func < (lhs: ECGRecordSkipReason, rhs: ECGRecordSkipReason) -> Bool {
        (allCases.firstIndex(of: lhs) ?? 0) < (allCases.firstIndex(of: rhs) ?? 0)
    }

    /// The reason behind a record's read error.
    init(_ error: WFDBRecordError) {
        switch error {
        case let .matFileSizeMismatch(_, expectedBytes, actualBytes):
            self = actualBytes < expectedBytes ? .truncatedSignalFile : .damagedSignalFile
        case .signalFileTooShort:
            self = .truncatedSignalFile
        case .signalCountMismatch:
            self = .leadCountMismatch
        case let .matrixShapeMismatch(_, rows, _, expectedRows, _):
            self = rows != expectedRows ? .leadCountMismatch : .damagedSignalFile
        case .unsupportedFormat, .unsupportedMultiSegmentRecord, .invalidMATHeader:
            self = .unsupportedFormat
        case .missingSignalFile:
            self = .missingSignalFile
        case .invalidDiagnosisCode:
            self = .invalidDiagnosis
        case let .unreadableFile(url, _):
            self = url.pathExtension.lowercased() == "hea" ? .malformedHeader : .damagedSignalFile
        case .missingRecordLine, .malformedHeaderLine, .unreadableDirectory:
            self = .malformedHeader
        case .inconsistentSignalFile:
            self = .damagedSignalFile
        case .unsupportedUnits, .unusableGain:
            self = .unusableSignal
        case .outsideDataDirectory:
            self = .outsideDataDirectory
        case .oversizedFile, .tooManySamples:
            self = .oversizedRecord
        case .controlCharacter:
            self = .malformedHeader
        }
    }
}
