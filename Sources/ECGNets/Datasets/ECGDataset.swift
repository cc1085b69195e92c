import DistTensor
import Foundation

/// A prepared dataset file opened for training: the whole index (ids, sources, labels, splits, offsets, lengths,
/// demographics) in memory, and each record's samples read on demand with a hyperslab read of just that record.
///
/// Opening checks the format name and version, every variable's type and shape, and that the records' offsets and
/// lengths tile the sample axis, so later reads cannot go astray. Reads may come from any thread (the NetCDF layer
/// serialises them).
public final class ECGDataset: Sendable {
    /// The file.
    public let url: URL
    /// Every record, in file order (record index = position).
    public let records: [ECGDatasetRecord]
    /// What the records are labelled for: label kind, classes (the label columns), leads and rate.
    public let task: ECGTask
    /// The format version of the file (1: the 12-lead 2020 task without lead masks).
    public let formatVersion: Int64
    /// The records preparation left out, with the reason and message of each.
    public let skippedRecords: [ECGRecordSkip]
    /// The options the file was prepared with (`ECGDatasetPreparationOptions.canonicalDescription`).
    public let preparationOptions: String
    private let file: NetCDFFile
    private let signal: NetCDFVariable
    /// Millivolts per stored unit (the signal variable's `scale_factor`).
    let scaleFactor: Float

    /// Opens and checks the dataset file at `url` and loads its index.
    public init(contentsOf url: URL) throws(ECGDatasetError) {
        self.url = url
        do {
            file = try NetCDFFile.open(at: url)
        } catch {
            throw .notADataset(url, reason: error.description)
        }
        let schema = ECGDatasetSchema(file: file, url: url)
        formatVersion = try schema.checkFormat()
        let samplingFrequency = try schema.positiveDouble(ECGDatasetFormat.Attribute.samplingFrequency)
        preparationOptions = try schema.text(ECGDatasetFormat.Attribute.preparationOptions)
        typealias V = ECGDatasetFormat.Variable
        typealias D = ECGDatasetFormat.Dimension
        signal = try schema.variable(V.signal, .int16, [D.lead, D.sample])
        scaleFactor = Float(try schema.positiveDouble("scale_factor", of: signal))
        let leadNames = try schema.strings(V.leadName, [D.lead])
        let classCodes = try schema.strings(V.classCode, [D.classes])
        let labelKind: ECGTask.LabelKind
        let classNames: [String]
        if formatVersion == 1 {
            guard classCodes == ChallengeClasses.challenge2020.codes else {
                throw .schemaMismatch(url, object: "variable '\(V.classCode)'", reason: "the label columns of a version 1 "
                    + "file are not the \(ChallengeClasses.challenge2020.count) scored classes of the 2020 Challenge")
            }
            labelKind = .multiLabel
            classNames = ECGTask.classes(of: .challenge2020).map(\.name)
        } else {
            let kind = try schema.text(ECGDatasetFormat.Attribute.labelKind)
            guard let parsed = ECGTask.LabelKind(rawValue: kind) else {
                throw .schemaMismatch(url, object: "global attribute '\(ECGDatasetFormat.Attribute.labelKind)'",
                                      reason: "'\(kind)' is not one of "
                                        + ECGTask.LabelKind.allCases.map(\.rawValue).joined(separator: ", "))
            }
            labelKind = parsed
            classNames = try schema.strings(V.className, [D.classes])
        }
        task = ECGTask(labelKind: labelKind, classes: zip(classCodes, classNames).map { ECGTask.Class(code: $0, name: $1) },
                       leads: leadNames, samplingFrequency: samplingFrequency)
        do {
            try task.validate()
        } catch {
            throw .schemaMismatch(url, object: "its task", reason: error.description)
        }
        let ids = try schema.strings(V.recordID, [D.record])
        let sources = try schema.strings(V.source, [D.record])
        let dxCodes = try schema.strings(V.dxCodes, [D.record])
        let offsets: [Int64] = try schema.values(V.recordOffset, [D.record])
        let lengths: [Int32] = try schema.values(V.recordLength, [D.record])
        let clipped: [Int32] = try schema.values(V.clippedSamples, [D.record])
        let ages: [Double] = try schema.values(V.age, [D.record])
        let sexes: [Int8] = try schema.values(V.sex, [D.record])
        let splits: [Int8] = try schema.values(V.split, [D.record])
        let labels: [UInt8] = try schema.values(V.label, [D.record, D.classes])
        let masks: [UInt8] = formatVersion == 1 ? [UInt8](repeating: 1, count: ids.count * leadNames.count)
            : try schema.values(V.leadMask, [D.record, D.lead])
        let sampleCount = try schema.length(of: D.sample)
        let skippedFiles = try schema.strings(V.skippedFile, [D.skipped])
        let skippedReasons = try schema.strings(V.skippedReason, [D.skipped])
        let skippedMessages = try schema.strings(V.skippedMessage, [D.skipped])
        skippedRecords = zip(skippedFiles, zip(skippedReasons, skippedMessages)).map { file, rest in
            ECGRecordSkip(file: file, reason: ECGRecordSkipReason(rawValue: rest.0) ?? .damagedSignalFile, message: rest.1)
        }

        var records: [ECGDatasetRecord] = []
        records.reserveCapacity(ids.count)
        var expectedOffset: Int64 = 0
        let classCount = classCodes.count
        for index in ids.indices {
            guard offsets[index] == expectedOffset, lengths[index] > 0 else {
                throw .inconsistentIndex(url, reason: "record \(index) (\(ids[index])) starts at sample "
                    + "\(offsets[index]) with length \(lengths[index]); expected start \(expectedOffset) and a positive "
                    + "length")
            }
            expectedOffset += Int64(lengths[index])
            guard let split = DatasetSplit(rawValue: splits[index]) else {
                throw .schemaMismatch(url, object: "variable '\(V.split)'", reason: "record \(index) has split "
                    + "\(splits[index]), not one of 0, 1, 2")
            }
            guard let sex = ECGDatasetFormat.sex(ofFlag: sexes[index]) else {
                throw .schemaMismatch(url, object: "variable '\(V.sex)'", reason: "record \(index) has sex flag "
                    + "\(sexes[index]), not one of 0, 1, 2")
            }
            let row = Array(labels[index * classCount ..< (index + 1) * classCount])
            guard row.allSatisfy({ $0 <= 1 }) else {
                throw .schemaMismatch(url, object: "variable '\(V.label)'", reason: "record \(index) has labels "
                    + "other than 0 and 1")
            }
            if labelKind == .singleLabel && row.reduce(0, { $0 + Int($1) }) > 1 {
                throw .schemaMismatch(url, object: "variable '\(V.label)'", reason: "record \(index) (\(ids[index])) of a "
                    + "single-label dataset has more than one class")
            }
            let mask = Array(masks[index * leadNames.count ..< (index + 1) * leadNames.count])
            guard mask.allSatisfy({ $0 <= 1 }) else {
                throw .schemaMismatch(url, object: "variable '\(V.leadMask)'", reason: "record \(index) has values "
                    + "other than 0 and 1")
            }
            records.append(ECGDatasetRecord(
                id: ids[index], source: sources[index], age: ages[index].isNaN ? nil : ages[index], sex: sex,
                dxCodes: dxCodes[index].split(separator: ",").map(String.init), labels: row, split: split,
                offset: Int(offsets[index]), length: Int(lengths[index]), clippedSamples: Int(clipped[index]),
                leadMask: mask))
        }
        guard expectedOffset == Int64(sampleCount) else {
            throw .inconsistentIndex(url, reason: "the records cover \(expectedOffset) samples but the sample axis "
                + "has \(sampleCount)")
        }
        self.records = records
    }

    /// The SNOMED-CT codes (or reference labels) of the label columns.
    public var classCodes: [String] { task.classCodes }
    /// The leads in stored order.
    public var leadNames: [String] { task.leads }
    /// Samples per second of every record.
    public var samplingFrequency: Double { task.samplingFrequency }

    /// Number of leads per record.
    public var leadCount: Int { leadNames.count }

    /// The record indices of `split`, in file order.
    public func indices(in split: DatasetSplit) -> [Int] {
        records.indices.filter { records[$0].split == split }
    }

    /// Reads record `index`'s samples in millivolts into `buffer`, `leadCount x length` floats laid out
    /// `[lead][sample]`, with one hyperslab read of only that record's samples.
    ///
    /// The int16 values are read into the upper half of `buffer`'s bytes and widened to floats from the front,
    /// which never overwrites a value not yet widened (float `i` ends at byte `4i + 4`, at or before where int16
    /// `i + 1` starts once `buffer` holds at least as many floats as samples), so no scratch memory is needed.
    public func readSignal(_ index: Int, into buffer: UnsafeMutableBufferPointer<Float>) throws(ECGDatasetError) {
        guard records.indices.contains(index) else {
            throw .recordOutOfRange(url, index: index, count: records.count)
        }
        let record = records[index]
        let count = leadCount * record.length
        guard buffer.count == count, let base = buffer.baseAddress else {
            throw .bufferSize(url, record: index, expected: count, given: buffer.count)
        }
        let raw = UnsafeMutableRawPointer(base)
        let stored = UnsafeMutableBufferPointer(start: (raw + 2 * count).bindMemory(to: Int16.self, capacity: count),
                                                count: count)
        do {
            try signal.read(into: stored, start: [0, record.offset], count: [leadCount, record.length])
        } catch {
            _ = raw.bindMemory(to: Float.self, capacity: count)
            throw .recordReadFailed(url, recordID: record.id, error)
        }
        let scale = scaleFactor
        for sample in 0..<count {
            let value = raw.load(fromByteOffset: 2 * count + 2 * sample, as: Int16.self)
            raw.storeBytes(of: Float(value) * scale, toByteOffset: 4 * sample, as: Float.self)
        }
        _ = raw.bindMemory(to: Float.self, capacity: count)
    }

    /// Record `index`'s samples in millivolts, `[lead][sample]`.
    public func signal(of index: Int) throws(ECGDatasetError) -> [Float] {
        guard records.indices.contains(index) else {
            throw .recordOutOfRange(url, index: index, count: records.count)
        }
        let count = leadCount * records[index].length
        var failure: ECGDatasetError?
        let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            do throws(ECGDatasetError) {
                try readSignal(index, into: buffer)
                initialized = count
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return values
    }
}
