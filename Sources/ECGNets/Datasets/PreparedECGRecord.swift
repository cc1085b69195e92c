/// One record as it goes into a dataset file: its index entries and its samples, quantised to int16 µV and laid
/// out `[lead][sample]` in the standard lead order.
struct PreparedECGRecord: Sendable {
    var id: String
    var source: String
    var age: Double?
    var sex: ECGSex
    var dxCodes: [String]
    /// One 0/1 value per scored class (`ChallengeClasses.challenge2020`).
    var labels: [UInt8]
    /// `12 x length` samples in µV, lead after lead.
    var samples: [Int16]
    var length: Int
    /// Samples beyond ±32.767 mV that were stored as ±32767 µV.
    var clippedSamples: Int
}
