import Foundation

/// A 12-lead (or any-lead) ECG in physical units with the labels and demographics of its header: what the rest
/// of ECGNets (labels, preprocessing, datasets) works with.
public struct ECGRecord: Sendable {
    /// The record name (e.g. `E07500`).
    public var id: String
    /// Samples per second per lead.
    public var samplingFrequency: Double
    public var leadNames: [String]
    /// Samples in millivolts laid out `[lead][sample]`, all leads equally long; NaN marks missing samples.
    public var signals: [[Float]]
    /// The header's `Dx` SNOMED-CT codes as written.
    public var diagnosisCodes: [String]
    /// Age in years, nil when unknown.
    public var age: Double?
    public var sex: ECGSex
    /// The directory the record's header is in (for a synthesised record: where it is meant to be written).
    public var sourceDirectory: URL
    /// Warnings found while loading (checksum and initial-value mismatches); `validate()` includes them.
    public var loadWarnings: [ECGRecordFinding]

    /// A record from its parts; `signals` must be `[lead][sample]` in millivolts, one array per lead name.
    public init(id: String, samplingFrequency: Double, leadNames: [String], signals: [[Float]],
                diagnosisCodes: [String] = [], age: Double? = nil, sex: ECGSex = .unknown, sourceDirectory: URL,
                loadWarnings: [ECGRecordFinding] = []) {
        self.id = id
        self.samplingFrequency = samplingFrequency
        self.leadNames = leadNames
        self.signals = signals
        self.diagnosisCodes = diagnosisCodes
        self.age = age
        self.sex = sex
        self.sourceDirectory = sourceDirectory
        self.loadWarnings = loadWarnings
    }

    /// Samples per lead.
    public var sampleCount: Int { signals.first?.count ?? 0 }

    /// The header file this record was read from (or would be written to).
    public var headerURL: URL { sourceDirectory.appendingPathComponent(id + ".hea") }

    /// Reads the record whose header is at `url` (its files inside `tree`, by default the header's folder) and
    /// converts its samples to millivolts.
    ///
    /// The record's id is the header's file name without its extension, as the Challenge's tools and `score` match
    /// outputs to labels by file name; a record line naming another record is a warning (`recordNameMismatch`).
    public static func load(headerAt url: URL, tree: WFDBDataTree? = nil) throws(WFDBRecordError) -> ECGRecord {
        let stored = try WFDBRecord.read(headerAt: url, tree: tree)
        let signals = try stored.header.signals.indices.map { index throws(WFDBRecordError) in
            try stored.millivolts(signal: index)
        }
        let comments = stored.header.comments
        let id = url.deletingPathExtension().lastPathComponent
        var warnings = stored.checksumFindings()
        if stored.header.recordName != id {
            warnings.insert(.recordNameMismatch(file: url, recordLine: stored.header.recordName, fileName: id), at: 0)
        }
        return ECGRecord(id: id, samplingFrequency: stored.header.samplingFrequency,
                         leadNames: stored.header.signals.map(\.leadName), signals: signals,
                         diagnosisCodes: comments.diagnosisCodes, age: comments.age, sex: comments.sex,
                         sourceDirectory: url.deletingLastPathComponent(), loadWarnings: warnings)
    }
}
