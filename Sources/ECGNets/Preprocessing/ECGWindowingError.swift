/// Why a window could not be cut from a record or a window buffer does not have the shape asked for.
public enum ECGWindowingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The window length is not a positive number of samples.
    case invalidLength(Int)
    /// A window duration or sampling frequency is not positive and finite.
    case invalidDuration(seconds: Double, samplingFrequency: Double)
    /// The record's leads do not all have the same number of samples.
    case unequalLeadLengths(record: String, lengths: [Int])
    /// A flat record buffer does not hold `leadCount` equal rows.
    case recordShape(record: String, count: Int, leadCount: Int)
    /// A placement does not lie inside the record or the window.
    case placementOutOfRange(record: String, placement: ECGWindowPlacement, recordLength: Int, windowLength: Int)
    /// A buffer does not hold `leadCount` rows of whole windows, or `validLength` exceeds the window.
    case bufferShape(count: Int, leadCount: Int, length: Int, validLength: Int)

    public var description: String {
        switch self {
        case let .invalidLength(length):
            return "window length \(length) samples is not positive. Give a window of at least one sample."
        case let .invalidDuration(seconds, frequency):
            return "a window of \(seconds) s at \(frequency) Hz is not a positive whole number of samples. Give a "
                + "positive duration and sampling frequency."
        case let .unequalLeadLengths(record, lengths):
            return "record \(record) has leads of different lengths \(lengths). Re-read or re-resample the record; "
                + "every lead must have the same number of samples."
        case let .recordShape(record, count, leadCount):
            return "record \(record): \(count) samples cannot be \(leadCount) equal leads laid out [lead][sample]. "
                + "Pass the record's samples with its true lead count."
        case let .placementOutOfRange(record, placement, recordLength, windowLength):
            return "window at sample \(placement.offset) with \(placement.validLength) real samples does not fit "
                + "record \(record) (\(recordLength) samples) or the window (\(windowLength) samples). Use a "
                + "placement made by ECGWindowing for this record's length."
        case let .bufferShape(count, leadCount, length, validLength):
            return "window buffer of \(count) floats is not \(leadCount) leads x \(length) samples with "
                + "\(validLength) real samples. Pass a buffer of exactly leadCount x length floats laid out "
                + "[lead][sample] and 0 <= validLength <= length."
        }
    }
}
