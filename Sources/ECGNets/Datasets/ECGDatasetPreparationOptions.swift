/// How records are turned into a dataset file: target sampling rate, optional band-pass, split, what to do with
/// records that have no scored label, and compression.
public struct ECGDatasetPreparationOptions: Sendable, Equatable {
    /// The rate every record is resampled to (`resample_poly`), in Hz; default 500.
    public var samplingFrequency: Double
    /// Applied after resampling; nil (the default) for none.
    public var bandPass: ECGBandPass?
    public var splitFractions: DatasetSplitFractions
    /// The seed of the stratified split.
    public var splitSeed: UInt64
    /// Keep records none of whose Dx codes is scored (as all-negative examples, the default) or drop them.
    public var keepsUnlabelledRecords: Bool
    /// Deflate level 1...9 of the signal variable, or nil (the default) for uncompressed, fastest-to-read storage.
    public var deflateLevel: Int?

    /// Options with the defaults: 500 Hz, no band-pass, 0.8/0.1/0.1 split with seed 0, unlabelled records kept,
    /// no compression.
    public init(samplingFrequency: Double = 500, bandPass: ECGBandPass? = nil,
                splitFractions: DatasetSplitFractions = .standard, splitSeed: UInt64 = 0,
                keepsUnlabelledRecords: Bool = true, deflateLevel: Int? = nil) {
        self.samplingFrequency = samplingFrequency
        self.bandPass = bandPass
        self.splitFractions = splitFractions
        self.splitSeed = splitSeed
        self.keepsUnlabelledRecords = keepsUnlabelledRecords
        self.deflateLevel = deflateLevel
    }

    /// Throws if the rate, band-pass or deflate level cannot be used.
    public func validate() throws(ECGDatasetPreparationError) {
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

    /// Every option in one line, stored in the file (`preparation_options`) and used to key caches of prepared
    /// files: two option sets with the same text prepare the same file from the same records.
    public var canonicalDescription: String {
        "format=\(ECGDatasetFormat.version);rate=\(samplingFrequency);"
            + "bandpass=\(bandPass.map { "\($0.order):\($0.lowCutoff):\($0.highCutoff)" } ?? "none");"
            + "split=\(splitFractions);seed=\(splitSeed);unlabelled=\(keepsUnlabelledRecords ? "keep" : "drop");"
            + "deflate=\(deflateLevel.map(String.init) ?? "none")"
    }
}
