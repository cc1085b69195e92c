import DistTensor

/// Cuts fixed-length windows (by default 10 s at 500 Hz, the model's 5000-sample input) out of records: a random
/// crop for training, the first window, or evenly spaced windows that together cover a whole record for
/// evaluation.
///
/// A record shorter than the window is zero-padded at the end: window samples `validLength..<length` are 0 and
/// the placement keeps `validLength`, so standardisation and augmentation can act on the real samples only.
/// Missing samples (NaN in an `ECGRecord`) are written as 0 mV, the padding value, so one gap cannot spread NaN
/// through a batch. Windows are written `[lead][sample]` into caller memory, so a batch tensor `[N, leads, length]`
/// is filled slot by slot without copies; `window(_:of:)` returns one as a value instead.
public struct ECGWindowing: Sendable, Equatable, Codable {
    /// Samples per window and lead.
    public let length: Int

    /// The model's input: 10 s at 500 Hz.
    public static let standardLength = 5000

    /// Windows of `length` samples.
    public init(length: Int = ECGWindowing.standardLength) throws(ECGWindowingError) {
        guard length > 0 else { throw .invalidLength(length) }
        self.length = length
    }

    /// Windows of `seconds` at `samplingFrequency` Hz, rounded to the nearest sample.
    public init(seconds: Double, samplingFrequency: Double) throws(ECGWindowingError) {
        let samples = seconds * samplingFrequency
        guard seconds > 0, samplingFrequency > 0, samples.isFinite, samples >= 0.5, samples < Double(Int32.max)
        else { throw .invalidDuration(seconds: seconds, samplingFrequency: samplingFrequency) }
        try self.init(length: Int(samples.rounded()))
    }

    /// Decodes a stored windowing and checks its length as `init(length:)` does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let length = try container.decode(Int.self, forKey: .length)
        do {
            try self.init(length: length)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .length, in: container, debugDescription: error.description)
        }
    }

    /// A training crop: an offset uniform over `0...recordLength - length` drawn from `random` (which advances by
    /// one draw) when the record is longer than the window, else the whole record at offset 0, zero-padded.
    public func randomPlacement(recordLength: Int, using random: inout RandomStream) -> ECGWindowPlacement {
        guard recordLength > length else { return firstPlacement(recordLength: recordLength) }
        return ECGWindowPlacement(offset: random.nextIndex(below: recordLength - length + 1), validLength: length)
    }

    /// The window at the start of the record (zero-padded when the record is shorter).
    public func firstPlacement(recordLength: Int) -> ECGWindowPlacement {
        ECGWindowPlacement(offset: 0, validLength: min(max(recordLength, 0), length))
    }

    /// Windows that cover every sample of a record for evaluation: `ceil(recordLength / length)` windows spaced
    /// evenly from the start to the end (the first at offset 0, the last ending at the last sample, neighbours
    /// overlapping where the length is not a multiple of the window), or one padded window for a record no longer
    /// than the window (an empty record gives one all-zero window).
    public func evaluationPlacements(recordLength: Int) -> [ECGWindowPlacement] {
        guard recordLength > length else { return [firstPlacement(recordLength: recordLength)] }
        let count = (recordLength + length - 1) / length
        let span = recordLength - length
        // Offsets floor(i * span / (count - 1)) step by at most ceil(span / (count - 1)) <= length, so no gap.
        return (0..<count).map { index in
            ECGWindowPlacement(offset: index * span / (count - 1), validLength: length)
        }
    }

    /// Writes the window at `placement` of `record` into `window`, `leads x length` floats laid out
    /// `[lead][sample]`.
    public func write(_ placement: ECGWindowPlacement, of record: ECGRecord,
                      into window: UnsafeMutableBufferPointer<Float>) throws(ECGWindowingError) {
        let recordLength = record.sampleCount
        let lengths = record.signals.map(\.count)
        guard lengths.allSatisfy({ $0 == recordLength }) else {
            throw .unequalLeadLengths(record: record.id, lengths: lengths)
        }
        let layout = try layout(of: window, leadCount: record.signals.count, placement: placement,
                                recordLength: recordLength, recordName: record.id)
        for (lead, signal) in record.signals.enumerated() {
            signal.withUnsafeBufferPointer { source in
                copy(placement, from: source, into: layout, lead: lead)
            }
        }
    }

    /// Writes the window at `placement` of a record held as `leadCount` rows laid out `[lead][sample]` in `record`
    /// (as a dataset stores it) into `window`, `leadCount x length` floats laid out `[lead][sample]`.
    public func write(_ placement: ECGWindowPlacement, ofRecord record: UnsafeBufferPointer<Float>, leadCount: Int,
                      recordName: String, into window: UnsafeMutableBufferPointer<Float>) throws(ECGWindowingError) {
        let recordLength = leadCount > 0 ? record.count / leadCount : 0
        guard leadCount > 0, recordLength * leadCount == record.count else {
            throw .recordShape(record: recordName, count: record.count, leadCount: leadCount)
        }
        let layout = try layout(of: window, leadCount: leadCount, placement: placement,
                                recordLength: recordLength, recordName: recordName)
        for lead in 0..<leadCount {
            let source = UnsafeBufferPointer(rebasing: record[lead * recordLength ..< (lead + 1) * recordLength])
            copy(placement, from: source, into: layout, lead: lead)
        }
    }

    /// The window at `placement` of `record` as a value.
    public func window(_ placement: ECGWindowPlacement, of record: ECGRecord) throws(ECGWindowingError) -> ECGWindow {
        var samples = [Float](repeating: 0, count: record.signals.count * length)
        try samples.withUnsafeMutableBufferPointer { buffer throws(ECGWindowingError) in
            try write(placement, of: record, into: buffer)
        }
        return ECGWindow(samples: samples, leadCount: record.signals.count, length: length, placement: placement)
    }

    /// The checked layout of `window` for a placement that must lie inside both the record and the window.
    private func layout(of window: UnsafeMutableBufferPointer<Float>, leadCount: Int, placement: ECGWindowPlacement,
                        recordLength: Int, recordName: String) throws(ECGWindowingError) -> ECGWindowLayout {
        guard placement.offset >= 0, placement.validLength >= 0, placement.validLength <= length,
              placement.offset <= recordLength - placement.validLength else {
            throw .placementOutOfRange(record: recordName, placement: placement, recordLength: recordLength,
                                       windowLength: length)
        }
        guard window.count == leadCount * length else {
            throw .bufferShape(count: window.count, leadCount: leadCount, length: length,
                               validLength: placement.validLength)
        }
        return try ECGWindowLayout(window, leadCount: leadCount, validLength: placement.validLength)
    }

    /// Copies one lead's real samples (NaN as 0) and zeroes the padding after them.
    private func copy(_ placement: ECGWindowPlacement, from source: UnsafeBufferPointer<Float>,
                      into layout: ECGWindowLayout, lead: Int) {
        let row = lead * length
        for sample in 0..<placement.validLength {
            let value = source[placement.offset + sample]
            layout.samples[row + sample] = value.isNaN ? 0 : value
        }
        for sample in placement.validLength..<length { layout.samples[row + sample] = 0 }
    }
}

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
