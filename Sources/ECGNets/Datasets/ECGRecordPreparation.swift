import Foundation

/// Turns one record into what a dataset file stores, or into the reason it must be skipped: read and check it,
/// put its leads in the standard order, resample, band-pass, map its Dx codes to the scored classes and
/// quantise it to int16 µV. Safe to use from several threads at once.
struct ECGRecordPreparation: Sendable {
    let options: ECGDatasetPreparationOptions
    let classes: ChallengeClasses
    let filter: ButterworthBandPassFilter?

    /// A preparation for validated `options`.
    init(options: ECGDatasetPreparationOptions, classes: ChallengeClasses = .challenge2020)
        throws(ECGDatasetPreparationError) {
        try options.validate()
        self.options = options
        self.classes = classes
        do {
            filter = try options.bandPass?.filter(samplingFrequency: options.samplingFrequency)
        } catch {
            throw .invalidOption(error.description)
        }
    }

    /// The record whose header is at `header`, its source being `source` (the folder below the data root).
    func prepare(headerAt header: URL, source: String) -> Result<PreparedECGRecord, ECGRecordSkip> {
        do {
            return prepare(try ECGRecord.load(headerAt: header), source: source, file: header.path)
        } catch {
            return .failure(ECGRecordSkip(file: header.path, reason: ECGRecordSkipReason(error),
                                          message: error.description))
        }
    }

    /// `record`, reported in skips as `file`.
    func prepare(_ record: ECGRecord, source: String, file: String) -> Result<PreparedECGRecord, ECGRecordSkip> {
        func skip(_ reason: ECGRecordSkipReason, _ message: String) -> Result<PreparedECGRecord, ECGRecordSkip> {
            .failure(ECGRecordSkip(file: file, reason: reason, message: message))
        }
        if let finding = record.validate().first(where: { $0.severity == .error }) {
            if case .nonFiniteSamples = finding { return skip(.nonFiniteLead, finding.description) }
            return skip(.flatLead, finding.description)
        }
        let standardOrder = ECGDatasetFormat.leadNames.map { name in
            record.leadNames.firstIndex { $0.caseInsensitiveCompare(name) == .orderedSame }
        }
        guard record.leadNames.count == standardOrder.count, standardOrder.allSatisfy({ $0 != nil }) else {
            return skip(.nonstandardLeads, "\(file): the leads are \(record.leadNames.joined(separator: ", ")), not the "
                + "12 standard leads \(ECGDatasetFormat.leadNames.joined(separator: ", ")). Convert the record or "
                + "leave it out.")
        }
        var ordered = record
        ordered.leadNames = ECGDatasetFormat.leadNames
        ordered.signals = standardOrder.compactMap { $0.map { record.signals[$0] } }
        do {
            ordered = try ordered.resampled(to: options.samplingFrequency)
            if let filter { ordered = try ordered.bandPassFiltered(by: filter) }
        } catch let error as ResamplingError {
            return skip(.unusableSignal, "\(file): \(error.description)")
        } catch let error as BandPassFilterError {
            return skip(.unusableSignal, "\(file): \(error.description)")
        } catch {
            return skip(.unusableSignal, "\(file): \(error)")
        }
        let labels = classes.encode(dxCodes: record.diagnosisCodes).trainingTargets.map { UInt8($0 != 0 ? 1 : 0) }
        if !options.keepsUnlabelledRecords, !labels.contains(1) {
            return skip(.noScoredLabel, "\(file): none of the Dx codes \(record.diagnosisCodes) is one of the "
                + "\(classes.count) scored classes (unlabelled records are dropped as asked).")
        }
        let (samples, clipped) = Self.quantize(ordered.signals)
        return .success(PreparedECGRecord(id: record.id, source: source, age: record.age, sex: record.sex,
                                          dxCodes: record.diagnosisCodes, labels: labels, samples: samples,
                                          length: ordered.sampleCount, clippedSamples: clipped))
    }

    /// Equally long leads in mV as int16 µV, lead after lead, rounded to nearest; values beyond ±32767 µV are
    /// clipped (and counted). -32768, WFDB's missing-sample marker, is never written.
    static func quantize(_ leads: [[Float]]) -> (samples: [Int16], clipped: Int) {
        let length = leads.first?.count ?? 0
        var clipped = 0
        let unitsPerMillivolt = 1 / ECGDatasetFormat.millivoltsPerUnit
        let samples = [Int16](unsafeUninitializedCapacity: leads.count * length) { output, initialized in
            for (lead, values) in leads.enumerated() {
                values.withUnsafeBufferPointer { values in
                    let row = lead * length
                    for index in 0..<length {
                        let scaled = (Double(values[index]) * unitsPerMillivolt).rounded()
                        if scaled > 32767 || scaled < -32767 { clipped += 1 }
                        output[row + index] = Int16(max(-32767, min(32767, scaled)))
                    }
                }
            }
            initialized = leads.count * length
        }
        return (samples, clipped)
    }
}
