/// The names and constants of the prepared-dataset NetCDF format that the writer and the reader share; the format
/// itself is described in `ECGDatasetWriter.swift`.
public enum ECGDatasetFormat {
    /// The `dataset_format` global attribute that marks a file as a dist-train ECG dataset.
    public static let name = "dist-train ECG dataset"
    /// The `format_version` global attribute this code writes. Version 2 added the task (`label_kind`,
    /// `class_name`, any leads and classes) and `lead_mask`; version 1 files read as the 12-lead, 27-class
    /// multi-label task of the 2020 Challenge with every lead present.
    public static let version: Int64 = 2
    /// The versions this code reads.
    public static let readableVersions: ClosedRange<Int64> = 1...2
    /// The 12 standard leads in stored order (records with other lead orders are reordered by name).
    public static let leadNames = ECGTask.twelveLeads
    /// Millivolts per stored int16 unit (1 µV), the `scale_factor` of `signal`.
    public static let millivoltsPerUnit = 0.001
    /// Samples per chunk of `signal` along `sample`: a 10-s record at 500 Hz spans two or three chunks of
    /// leads x 4096 int16 (96 KiB each for 12 leads), so reading one record reads about 2-3 times its own size.
    public static let chunkLength = 4096
    /// The value `sex` stores for unknown, male and female (CF `flag_values`).
    static let sexFlags: [(ECGSex, Int8)] = [(.unknown, 0), (.male, 1), (.female, 2)]

    /// Dimension names.
    enum Dimension {
        static let record = "record", lead = "lead", classes = "class", sample = "sample", skipped = "skipped"
    }

    /// Variable names.
    enum Variable {
        static let signal = "signal", recordOffset = "record_offset", recordLength = "record_length"
        static let recordID = "record_id", source = "source", age = "age", sex = "sex", dxCodes = "dx_codes"
        static let label = "label", classCode = "class_code", split = "split", leadName = "lead_name"
        static let clippedSamples = "clipped_samples", leadMask = "lead_mask", className = "class_name"
        static let skippedFile = "skipped_file", skippedReason = "skipped_reason", skippedMessage = "skipped_message"
    }

    /// Global attribute names the reader needs.
    enum Attribute {
        static let format = "dataset_format", version = "format_version", samplingFrequency = "sampling_frequency"
        static let preparationOptions = "preparation_options", labelKind = "label_kind"
    }

    /// The stored sex flag of `sex`.
    static func flag(of sex: ECGSex) -> Int8 {
        sexFlags.first { $0.0 == sex }?.1 ?? 0
    }

    /// The sex of a stored flag, nil for a value that is not a flag.
    static func sex(ofFlag flag: Int8) -> ECGSex? {
        sexFlags.first { $0.1 == flag }?.0
    }
}
