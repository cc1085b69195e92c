/// One record's entry in a dataset's index: who it is, its labels and split, and where its samples are.
public struct ECGDatasetRecord: Sendable, Equatable {
    /// The WFDB record name.
    public let id: String
    /// The folder (database) it came from, "." for the data root, or "simulator".
    public let source: String
    /// Age in years, nil when unknown.
    public let age: Double?
    public let sex: ECGSex
    /// Every Dx code of its header, unscored ones included.
    public let dxCodes: [String]
    /// One 0/1 value per class of the dataset (`ECGDataset.classCodes`).
    public let labels: [UInt8]
    public let split: DatasetSplit
    /// First sample along the dataset's sample axis.
    public let offset: Int
    /// Samples per lead.
    public let length: Int
    /// Samples that were clipped to the int16 range when stored.
    public let clippedSamples: Int
    /// One value per lead of the dataset: 1 where the record has it, 0 where it was flat, NaN or missing and is
    /// stored as zeros.
    public let leadMask: [UInt8]

    /// Whether every lead of the record is real.
    public var hasAllLeads: Bool { !leadMask.contains(0) }
}
