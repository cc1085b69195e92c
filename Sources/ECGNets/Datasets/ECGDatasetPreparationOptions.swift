/// How records are turned into a dataset file: where labels come from (and so the task's classes), which leads,
/// the sampling rate, optional band-pass, split, what to do with records that have no scored label or a flat
/// lead, and compression.
public struct ECGDatasetPreparationOptions: Sendable, Equatable {
    /// The rate every record is resampled to (`resample_poly`), in Hz; default 500.
    public var samplingFrequency: Double
    /// Header Dx codes onto a class list (default: the 2020 Challenge's), or a reference file of one label each.
    public var labels: ECGLabelSource
    /// The leads kept, by standard name, in stored order (default: the 12).
    public var leads: [String]
    /// Skip records with a flat, NaN or missing lead among `leads`, instead of keeping them with that lead zeroed
    /// and masked (the default: every record counts).
    public var dropsFlatLeads: Bool
    /// Skip a record that lacks one of `leads` (reason `missing_lead`) instead of masking the lead: evaluation and
    /// prediction ask this, since a network cannot be applied to leads a record does not have.
    public var skipsRecordsMissingLeads = false
    /// Keep a record the reference file does not label, with no class (an all-zero label row), instead of skipping
    /// it: prediction needs no labels.
    public var labelsMayBeMissing = false
    /// Applied after resampling; nil (the default) for none.
    public var bandPass: ECGBandPass?
    public var splitFractions: DatasetSplitFractions
    /// The seed of the stratified split.
    public var splitSeed: UInt64
    /// Keep records none of whose Dx codes is scored (as all-negative examples, the default) or drop them.
    public var keepsUnlabelledRecords: Bool
    /// Deflate level 1...9 of the signal variable, or nil (the default) for uncompressed, fastest-to-read storage.
    public var deflateLevel: Int?
    /// Read files and folders that symbolic links in the data directory lead to outside it (by default such links
    /// are not followed and reported; see `WFDBDataTree`).
    public var followsSymlinksOutside = false

    /// Options with the defaults: the 2020 Challenge classes, 12 leads, 500 Hz, flat leads kept (masked), no
    /// band-pass, 0.8/0.1/0.1 split with seed 0, unlabelled records kept, no compression.
    public init(samplingFrequency: Double = 500, labels: ECGLabelSource = .challenge2020,
                leads: [String] = ECGTask.twelveLeads, dropsFlatLeads: Bool = false, bandPass: ECGBandPass? = nil,
                splitFractions: DatasetSplitFractions = .standard, splitSeed: UInt64 = 0,
                keepsUnlabelledRecords: Bool = true, deflateLevel: Int? = nil) {
        self.samplingFrequency = samplingFrequency
        self.labels = labels
        self.leads = leads
        self.dropsFlatLeads = dropsFlatLeads
        self.bandPass = bandPass
        self.splitFractions = splitFractions
        self.splitSeed = splitSeed
        self.keepsUnlabelledRecords = keepsUnlabelledRecords
        self.deflateLevel = deflateLevel
    }

    /// The task a dataset prepared with these options holds.
    public var task: ECGTask {
        ECGTask(labelKind: labels.labelKind, classes: labels.classes, leads: leads, samplingFrequency: samplingFrequency)
    }

    /// Throws if the task, rate, band-pass or deflate level cannot be used.
    public func validate() throws(ECGDatasetPreparationError) {
        do {
            try task.validate()
        } catch {
            throw .invalidOption(error.description)
        }
        guard leads.allSatisfy(ECGTask.twelveLeads.contains) else {
            throw .invalidOption("leads \(leads.joined(separator: ",")) are not all standard lead names "
                + "(\(ECGTask.twelveLeads.joined(separator: ", ")))")
        }
        guard samplingFrequency.isFinite, samplingFrequency > 0 else {
            throw .invalidOption("sampling frequency \(samplingFrequency) Hz is not a positive number")
        }
        if let bandPass {
            do {
                _ = try bandPass.filter(samplingFrequency: samplingFrequency)
            } catch {
                throw .invalidOption(error.description)
            }
        }
        if let deflateLevel, !(1...9).contains(deflateLevel) {
            throw .invalidOption("deflate level \(deflateLevel) is outside 1...9")
        }
    }

    /// The band-pass a `canonicalDescription` (a prepared dataset's `preparation_options`) names: `.some(nil)`
    /// for none, nil when the description has no readable band-pass field.
    static func bandPass(inCanonicalDescription description: String) -> ECGBandPass?? {
        guard let field = description.split(separator: ";").first(where: { $0.hasPrefix("bandpass=") })?
            .dropFirst("bandpass=".count) else { return nil }
        if field == "none" { return .some(nil) }
        return ECGBandPass(canonicalText: field).map { .some($0) }
    }

    /// Every option in one line, stored in the file (`preparation_options`) and used to key caches of prepared
    /// files: two option sets with the same text prepare the same file from the same records.
    public var canonicalDescription: String {
        "format=\(ECGDatasetFormat.version);rate=\(samplingFrequency);"
            + "bandpass=\(bandPass?.canonicalText ?? "none");"
            + "split=\(splitFractions);seed=\(splitSeed);unlabelled=\(keepsUnlabelledRecords ? "keep" : "drop");"
            + "deflate=\(deflateLevel.map(String.init) ?? "none");classes=\(labels.canonicalDescription);"
            + "leads=\(leads.joined(separator: ","));flat=\(dropsFlatLeads ? "drop" : "keep")"
            + (skipsRecordsMissingLeads ? ";missing=skip" : "") + (labelsMayBeMissing ? ";unlabelled-reference=keep" : "")
            + (followsSymlinksOutside ? ";links=follow-outside" : "")
    }
}
