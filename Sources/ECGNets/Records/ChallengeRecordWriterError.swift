import Foundation

/// Why a record could not be written in the Challenge format; every case names the record and the problem.
public enum ChallengeRecordWriterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// WFDB record names may hold letters, digits and underscores only.
    case invalidRecordName(String)
    /// A lead name or comment would break the header's line structure (or a Dx code is not numeric).
    case invalidHeaderText(record: String, field: String, text: String)
    /// The leads, lead names and samples do not fit together (counts or lengths differ, too many samples).
    case shapeMismatch(record: String, reason: String)
    /// The gain or sampling frequency is not a positive finite number.
    case invalidCalibration(record: String, reason: String)
    /// A sample does not fit in int16 at the writer's gain.
    case sampleOutOfRange(record: String, lead: String, sample: Int, millivolts: Float, gain: Double)
    /// The file system refused a write.
    case writeFailed(URL, reason: String)

    public var description: String {
        switch self {
        case let .invalidRecordName(name):
            return "record name \"\(name)\" is not a WFDB record name: use letters, digits and underscores only."
        case let .invalidHeaderText(record, field, text):
            return "record \(record): \(field) \"\(text)\" cannot be written into a WFDB header (line breaks, or a "
                + "Dx code that is not numeric, or a comment key with a colon). Remove the offending characters."
        case let .shapeMismatch(record, reason):
            return "record \(record): \(reason). Give one lead name and one equally long signal per lead."
        case let .invalidCalibration(record, reason):
            return "record \(record): \(reason). Use a positive, finite value."
        case let .sampleOutOfRange(record, lead, sample, millivolts, gain):
            return "record \(record): lead \(lead), sample \(sample): \(millivolts) mV does not fit in int16 at gain "
                + "\(gain) adu/mV (|value| <= 32767 adu). Lower the gain or clip the signal."
        case let .writeFailed(url, reason):
            return "\(url.path): cannot write the file (\(reason)). Check that the directory is writable and has "
                + "space."
        }
    }
}
