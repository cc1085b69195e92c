/// One record as it goes into a dataset file: its index entries and its samples, quantised to int16 µV and laid
/// out `[lead][sample]` in the task's lead order.
struct PreparedECGRecord: Sendable {
    var id: String
    var source: String
    var age: Double?
    var sex: ECGSex
    var dxCodes: [String]
    /// One 0/1 value per class of the task (one-hot for a single-label task).
    var labels: [UInt8]
    /// `leads x length` samples in µV, lead after lead.
    var samples: [Int16]
    var length: Int
    /// Samples beyond ±32.767 mV that were stored as ±32767 µV.
    var clippedSamples: Int
    /// One value per lead of the task: 1 where the record has the lead, 0 where it was flat, NaN or missing and
    /// is stored as zeros.
    var leadMask: [UInt8]
    /// What was wrong with each masked lead, for the preparation summary.
    var maskedLeadProblems: [String]
    /// Warnings about the kept record (its record line naming another record, checksum mismatches).
    var warnings: [ECGRecordFinding] = []
}
