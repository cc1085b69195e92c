import Foundation

/// Why a WFDB / PhysioNet-Challenge record could not be read: every case names the file and the problem, and its
/// description says what to do about it.
public enum WFDBRecordError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A file exists but could not be read (permissions, I/O error, not UTF-8 text for a header).
    case unreadableFile(URL, reason: String)
    /// The header names a record but has no record line at all.
    case missingRecordLine(URL)
    /// A line of the header does not follow the WFDB header syntax (`line` counts from 1).
    case malformedHeaderLine(URL, line: Int, text: String, reason: String)
    /// A `# Dx:` comment holds something that is not a comma-separated list of numeric SNOMED-CT codes.
    case invalidDiagnosisCode(URL, line: Int, code: String)
    /// The record line declares a number of signals that differs from the number of signal lines.
    case signalCountMismatch(URL, declared: Int, signalLines: Int)
    /// A signal uses a storage format (or a feature such as several samples per frame, skew or multi-segment
    /// records) this reader does not implement.
    case unsupportedFormat(URL, signal: String, format: String)
    /// The header describes a multi-segment record (`name/segments` on the record line), which is not supported.
    case unsupportedMultiSegmentRecord(URL, segments: String)
    /// A signal's physical units cannot be converted to millivolts.
    case unsupportedUnits(URL, signal: String, units: String)
    /// A signal file named by the header does not exist.
    case missingSignalFile(header: URL, signalFile: URL)
    /// The MAT-file v4 header of a `.mat` signal file is not the single int16 `val` matrix the Challenge ships.
    case invalidMATHeader(URL, reason: String)
    /// The `.mat` file's length disagrees with the matrix size its own header announces.
    case matFileSizeMismatch(URL, expectedBytes: Int, actualBytes: Int)
    /// The data matrix has a different number of leads or samples than the `.hea` header declares.
    case matrixShapeMismatch(URL, rows: Int, columns: Int, expectedRows: Int, expectedColumns: Int?)
    /// A `.dat` signal file holds fewer bytes than the header's signals and sample count need.
    case signalFileTooShort(URL, expectedBytes: Int, actualBytes: Int)
    /// The signal lines that share one signal file disagree with each other or with the file.
    case inconsistentSignalFile(URL, reason: String)
    /// A directory to scan for records does not exist or cannot be listed.
    case unreadableDirectory(URL, reason: String)
    /// The header's signal file `file` (or the header itself) climbs out of its folder with `..`, or is a symbolic
    /// link whose real path is outside the data directory `tree`: it is not opened, so nothing about it is known.
    case outsideDataDirectory(header: URL, file: String, tree: URL)
    /// A file is larger than the reader ever reads into memory.
    case oversizedFile(URL, bytes: Int, limit: Int)
    /// The record holds more samples (over all its signals) than a record may.
    case tooManySamples(URL, samples: Int, limit: Int)
    /// The header holds a control byte (NUL, escape, ...) other than tab and line ends: it is not text.
    case controlCharacter(URL, line: Int, byte: UInt8)
    /// A signal's gain makes one ADC unit a physically meaningless voltage (or none at all).
    case unusableGain(URL, signal: String, gain: Double, millivoltsPerUnit: Double)

    public var description: String {
        switch self {
        case let .unreadableFile(url, reason):
            return "\(url.path): cannot read the file (\(reason)). Check that it exists and is readable."
        case let .missingRecordLine(url):
            return "\(url.path): the header has no record line (record name, number of signals, ...). "
                + "It is empty or holds only comments; restore the header from the original data set."
        case let .malformedHeaderLine(url, line, text, reason):
            return "\(url.path), line \(line) \"\(text)\": \(reason). Fix the header line to follow the WFDB header "
                + "format (https://physionet.org/physiotools/wag/header-5.htm)."
        case let .invalidDiagnosisCode(url, line, code):
            return "\(url.path), line \(line): Dx code \"\(code)\" is not a numeric SNOMED-CT code. Write the Dx "
                + "comment as a comma-separated list of SNOMED-CT codes, e.g. \"# Dx: 426783006,164889003\"."
        case let .signalCountMismatch(url, declared, signalLines):
            return "\(url.path): the record line declares \(declared) signals but the header has \(signalLines) "
                + "signal lines. Correct the number of signals on the record line or restore the missing lines."
        case let .unsupportedFormat(url, signal, format):
            return "\(url.path): signal \"\(signal)\" uses format \"\(format)\", which is not supported (only "
                + "format 16 and 212 with one sample per frame and no skew, in .dat or Challenge .mat files). "
                + "Convert the record, e.g. with wfdb's wrsamp to format 16."
        case let .unsupportedMultiSegmentRecord(url, segments):
            return "\(url.path): the record has \(segments) segments; multi-segment records are not supported. "
                + "Join the segments into one record first (e.g. with wfdb's wrsamp)."
        case let .unsupportedUnits(url, signal, units):
            return "\(url.path): signal \"\(signal)\" is in units \"\(units)\", which cannot be converted to mV. "
                + "Only mV, uV and V are understood."
        case let .missingSignalFile(header, signalFile):
            return "\(header.path): its signal file \(signalFile.path) does not exist. Copy the signal file next "
                + "to the header or remove the record."
        case let .invalidMATHeader(url, reason):
            return "\(url.path): not a Challenge MAT-file v4 signal file (\(reason)). Expected one int16 matrix "
                + "named \"val\" of leads x samples."
        case let .matFileSizeMismatch(url, expectedBytes, actualBytes):
            let problem = actualBytes < expectedBytes ? "is truncated" : "has trailing bytes"
            return "\(url.path): the file \(problem): its MAT header announces \(expectedBytes) bytes but the file "
                + "has \(actualBytes). Download the record again."
        case let .matrixShapeMismatch(url, rows, columns, expectedRows, expectedColumns):
            let expectedSamples = expectedColumns.map { " x \($0) samples" } ?? ""
            return "\(url.path): the data matrix is \(rows) leads x \(columns) samples but the header declares "
                + "\(expectedRows) leads\(expectedSamples). The header and the signal file belong to different "
                + "records or one of them is damaged."
        case let .signalFileTooShort(url, expectedBytes, actualBytes):
            return "\(url.path): the signal file is truncated: the header's signals need \(expectedBytes) bytes but "
                + "the file has \(actualBytes). Download the record again."
        case let .inconsistentSignalFile(url, reason):
            return "\(url.path): \(reason). Signals stored in one file must be listed consecutively with the same "
                + "format and byte offset."
        case let .unreadableDirectory(url, reason):
            return "\(url.path): cannot list the directory (\(reason)). Check the path."
        case let .outsideDataDirectory(header, file, tree):
            let name = file.sanitizedForDisplay
            if file.split(separator: "/").contains("..") {
                return "\(header.path): its file name \"\(name)\" leads out of the header's folder with '..'; it was not "
                    + "opened. Signal files must be beside their header: fix the header's signal lines."
            }
            return "\(header.path): \"\(name)\" is a symbolic link that does not lead to a file inside the data "
                + "directory \(tree.path); it was not opened. Copy the file into the data directory, or pass "
                + "--follow-symlinks-outside to read files that links lead to."
        case let .oversizedFile(url, bytes, limit):
            return "\(url.path): the file has \(bytes) bytes, more than the \(limit) a record's file may have; it was not "
                + "read. Split the record into shorter ones."
        case let .tooManySamples(url, samples, limit):
            return "\(url.path): the record holds \(samples) samples over its signals, more than the \(limit) a record "
                + "may have. Split the record into shorter ones."
        case let .controlCharacter(url, line, byte):
            return "\(url.path), line \(line): the header holds the control byte 0x\(String(byte, radix: 16, uppercase: true)) "
                + "\(byte == 0 ? "(NUL) " : "")where text belongs: it is damaged or not a WFDB header. Restore it from the "
                + "original data set."
        case let .unusableGain(url, signal, gain, millivoltsPerUnit):
            return "\(url.path): signal \"\(signal.sanitizedForDisplay)\" has gain \(gain) ADC units per physical unit, so "
                + "one ADC unit would be \(millivoltsPerUnit) mV: the gain is unusable (a usable one makes an ADC unit "
                + "\(WFDBRecord.usableMillivoltsPerUnit.lowerBound) to \(WFDBRecord.usableMillivoltsPerUnit.upperBound) mV; "
                + "ECG headers say e.g. 1000/mV). Correct the gain in the header."
        }
    }
}
