import DistTensor
import Foundation

// MARK: - The prepared ECG dataset file (format version 2)
//
// One NetCDF-4 file, CF-1.8 style, readable with `ncdump`, netCDF4-python and xarray:
//
//   dimensions:
//     lead = L ;                  the task's leads by standard name (variable lead_name), e.g. all 12 or II
//     class = C ;                 the task's classes (class_code, class_name): by default the 27 scored
//                                 classes of the 2020 Challenge in weights.csv order
//     sample = UNLIMITED ;        all records' samples one after another: ONE long per-lead axis, so a record
//                                 keeps its own length (no cropping or padding at preparation)
//     record = N ;
//     skipped = UNLIMITED ;       records left out, with file, reason and message
//   variables:
//     short  signal(lead, sample)        µV: scale_factor = 0.001, units = "mV"; chunks of L x 4096
//     int64  record_offset(record)       first sample of the record along `sample`
//     int    record_length(record)       its number of samples (at sampling_frequency)
//     string record_id(record)           the WFDB record name (e.g. E07500, SIM00001)
//     string source(record)              the folder below the data root, "." for the root, or "simulator"
//     double age(record)                 years; _FillValue = NaN when unknown
//     byte   sex(record)                 flag_values 0, 1, 2: "unknown male female"
//     string dx_codes(record)            every Dx code of the header, comma-separated (unscored ones kept)
//     ubyte  label(record, class)        multi-hot over the classes (Challenge equivalent pairs both set), or
//                                        one-hot for a single-label task (label_kind = "single-label")
//     ubyte  lead_mask(record, lead)     1 where the record has the lead, 0 where it was flat, NaN or missing
//                                        and is stored as zeros (every record counts)
//     int    clipped_samples(record)     samples beyond ±32.767 mV stored as ±32767 µV
//     string class_code(class)           SNOMED-CT codes, or labels such as CinC 2017's N, A, O, ~
//     string class_name(class)           short names for reports
//     string lead_name(lead)
//     byte   split(record)               flag_values 0, 1, 2: "train validation test"
//     string skipped_file(skipped), skipped_reason(skipped), skipped_message(skipped)
//   global attributes: Conventions, title, dataset_format, format_version, label_kind, sampling_frequency (Hz),
//     masked_lead_record_count, resampling,
//     band_pass, split_method, split_seed, split_fractions, preparation_options, source_path, source_kind,
//     created (ISO 8601), software, record_count, clipped_sample_count, skipped_record_count, and
//     skipped_<reason> (one count per ECGRecordSkipReason).
//
// Why int16 µV and not float32: the Challenge's recordings are themselves int16 at 1000 adu/mV (1 µV steps, or
// coarser), so after resampling the rounding to 1 µV (at most 0.5 µV, below any ECG digitiser's resolution)
// loses nothing of use, and the file is half the size (5 GB instead of 10 GB for the 43,000 records of 2021),
// which halves the bytes every epoch reads. Values beyond the int16 range (±32.767 mV, far outside real ECGs)
// are clipped and counted per record.

/// Writes a dataset file (format above) into a file being created: record signals are appended one by one as
/// they are prepared, so memory holds only the index and the current block; `finish` writes the index, the split
/// and the attributes.
struct ECGDatasetWriter {
    private let file: NetCDFFile
    private let signal: NetCDFVariable
    private let task: ECGTask
    private(set) var records: [PreparedECGRecord] = []
    private(set) var offset = 0

    /// Starts a dataset in the freshly created `file`: dimensions and the signal variable.
    init(file: NetCDFFile, options: ECGDatasetPreparationOptions) throws {
        self.file = file
        task = options.task
        let root = file.root
        let lead = try root.createDimension(named: ECGDatasetFormat.Dimension.lead, length: task.leads.count)
        let sample = try root.createUnlimitedDimension(named: ECGDatasetFormat.Dimension.sample)
        let chunks = [task.leads.count, ECGDatasetFormat.chunkLength]
        signal = try root.createVariable(
            named: ECGDatasetFormat.Variable.signal, type: .int16, dimensions: [lead, sample],
            storage: .chunked(chunks, deflateLevel: options.deflateLevel, shuffle: options.deflateLevel != nil,
                              prefill: false))
        try signal.attributes.set("long_name", to: .text("ECG signal, all records one after another"))
        try signal.attributes.set("units", to: .text("mV"))
        try signal.attributes.set("scale_factor", to: .double(ECGDatasetFormat.millivoltsPerUnit))
        try signal.attributes.set("comment", to: .text(
            "Stored as int16 microvolts; record r is samples record_offset[r] ..< record_offset[r] + "
                + "record_length[r]. Values beyond +-32.767 mV are clipped (see clipped_samples)."))
        try root.createVariable(named: ECGDatasetFormat.Variable.leadName, type: .string, dimensions: [lead])
            .write(task.leads)
    }

    /// Appends `record`'s samples after the previous records and keeps its index entries (without samples).
    mutating func append(_ record: PreparedECGRecord) throws {
        try signal.write(record.samples, start: [0, offset], count: [task.leads.count, record.length])
        var entry = record
        entry.samples = []
        records.append(entry)
        offset += record.length
    }

    /// Writes the per-record and per-class variables, the split, the skipped records and the global attributes.
    func finish(split: [DatasetSplit], skips: [ECGRecordSkip], attributes: [(String, NetCDFAttribute)]) throws {
        let root = file.root
        let record = try root.createDimension(named: ECGDatasetFormat.Dimension.record, length: records.count)
        let classDimension = try root.createDimension(named: ECGDatasetFormat.Dimension.classes, length: task.classes.count)
        let leadDimension = try root.dimension(named: ECGDatasetFormat.Dimension.lead)
        typealias V = ECGDatasetFormat.Variable

        func variable(_ name: String, _ type: NetCDFType, _ dimensions: [NetCDFDimension], _ longName: String,
                      _ extra: [(String, NetCDFAttribute)] = []) throws -> NetCDFVariable {
            let variable = try root.createVariable(named: name, type: type, dimensions: dimensions)
            try variable.attributes.set("long_name", to: .text(longName))
            for (key, value) in extra { try variable.attributes.set(key, to: value) }
            return variable
        }
        var offsets: [Int64] = []
        var start: Int64 = 0
        for entry in records {
            offsets.append(start)
            start += Int64(entry.length)
        }
        try variable(V.recordOffset, .int64, [record], "first sample of the record along dimension sample")
            .write(offsets)
        try variable(V.recordLength, .int32, [record], "number of samples of the record")
            .write(records.map { Int32(clamping: $0.length) })
        // Names come from files: sanitised, so a control character in one cannot make the file unwritable.
        try variable(V.recordID, .string, [record], "record name").write(records.map(\.id.sanitizedForDisplay))
        try variable(V.source, .string, [record], "folder (database) the record came from")
            .write(records.map(\.source.sanitizedForDisplay))
        try variable(V.age, .float64, [record], "patient age", [("units", .text("years")), ("_FillValue", .double(.nan))])
            .write(records.map { $0.age ?? .nan })
        try variable(V.sex, .int8, [record], "patient sex",
                     [("flag_values", .integers(ECGDatasetFormat.sexFlags.map { Int64($0.1) })),
                      ("flag_meanings", .text(ECGDatasetFormat.sexFlags.map { $0.0.rawValue.lowercased() }
                          .joined(separator: " ")))])
            .write(records.map { ECGDatasetFormat.flag(of: $0.sex) })
        try variable(V.dxCodes, .string, [record], "SNOMED-CT Dx codes of the header, comma-separated")
            .write(records.map { $0.dxCodes.joined(separator: ",") })
        try variable(V.label, .uint8, [record, classDimension],
                     task.labelKind == .singleLabel ? "one-hot class" : "multi-hot labels",
                     [("flag_values", .integers([0, 1])), ("flag_meanings", .text("absent present"))])
            .write(records.flatMap(\.labels))
        try variable(V.leadMask, .uint8, [record, leadDimension], "lead present (0: flat, NaN or missing, stored as zeros)",
                     [("flag_values", .integers([0, 1])), ("flag_meanings", .text("masked present"))])
            .write(records.flatMap(\.leadMask))
        try variable(V.clippedSamples, .int32, [record], "samples clipped to the int16 range")
            .write(records.map { Int32(clamping: $0.clippedSamples) })
        try variable(V.classCode, .string, [classDimension], "code of the class (SNOMED-CT, or a reference label)")
            .write(task.classCodes)
        try variable(V.className, .string, [classDimension], "short name of the class").write(task.classes.map(\.name))
        try variable(V.split, .int8, [record], "dataset split",
                     [("flag_values", .integers(DatasetSplit.allCases.map { Int64($0.rawValue) })),
                      ("flag_meanings", .text(DatasetSplit.allCases.map(\.description).joined(separator: " ")))])
            .write(split.map(\.rawValue))

        let skipped = try root.createUnlimitedDimension(named: ECGDatasetFormat.Dimension.skipped)
        let skipColumns: [(String, String, (ECGRecordSkip) -> String)] = [
            (V.skippedFile, "file of a record left out", { $0.file }),
            (V.skippedReason, "why it was left out", { $0.reason.rawValue }),
            (V.skippedMessage, "the problem found", { $0.message }),
        ]
        for (name, longName, column) in skipColumns {
            try variable(name, .string, [skipped], longName).write(skips.map(column), start: [0], count: [skips.count])
        }
        for (name, value) in attributes { try root.attributes.set(name, to: value) }
    }
}
