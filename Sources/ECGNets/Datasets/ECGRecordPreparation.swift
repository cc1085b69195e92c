import Foundation

/// Turns one record into what a dataset file stores, or into the reason it must be skipped: read and check it,
/// take the task's leads by name (`ECGTask.positions(inLeadsNamed:)`: a single lead named `ECG` is a single-lead
/// task's lead; a flat, NaN or missing one is zeroed and masked, or skips the record when asked),
/// resample, band-pass, label it from its Dx codes or the reference file, and quantise it to int16 µV. Safe to use
/// from several threads at once.
struct ECGRecordPreparation: Sendable {
    let options: ECGDatasetPreparationOptions
    let task: ECGTask
    let filter: ButterworthBandPassFilter?
    /// The Challenge class list whose equivalent codes label together, when the labels come from one.
    private let challengeClasses: ChallengeClasses?

    /// A preparation for validated `options`.
    init(options: ECGDatasetPreparationOptions) throws(ECGDatasetPreparationError) {
        try options.validate()
        self.options = options
        task = options.task
        switch options.labels {
        case .challenge2020: challengeClasses = .challenge2020
        case .challenge2021: challengeClasses = .challenge2021
        case .snomedList, .reference: challengeClasses = nil
        }
        do {
            filter = try options.bandPass?.filter(samplingFrequency: options.samplingFrequency)
        } catch {
            throw .invalidOption(error.description)
        }
    }

    /// The record whose header is at `header` with its files inside `tree`, its source being `source` (the folder
    /// below the data root).
    func prepare(headerAt header: URL, source: String, tree: WFDBDataTree) -> Result<PreparedECGRecord, ECGRecordSkip> {
        do {
            return prepare(try ECGRecord.load(headerAt: header, tree: tree), source: source, file: header.path)
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
        guard record.sampleCount > 0 else { return skip(.flatLead, ECGRecordFinding.emptyRecord(file: record.headerURL).description) }
        let labels: [UInt8]
        switch self.labels(of: record, file: file) {
        case let .success(found): labels = found
        case let .failure(failure): return .failure(failure)
        }
        let positions = task.positions(inLeadsNamed: record.leadNames)
        guard positions.contains(where: { $0 != nil }) else {
            return skip(.nonstandardLeads, "\(file): the leads are \(record.leadNames.joined(separator: ", ")), none of "
                + "the task's leads \(task.leads.joined(separator: ", ")). "
                + (positions.count > 1 && record.leadNames.count == 1
                    && record.leadNames[0].caseInsensitiveCompare(ECGTask.unnamedSingleLead) == .orderedSame
                    ? "A single lead named \(ECGTask.unnamedSingleLead) (as in CinC 2017) is read as the lead of a single-lead "
                        + "task: prepare with --leads II (or --leads I, the lead it is)."
                    : "Convert the record or leave it out."))
        }
        // A lead is unusable if the record lacks it, or it holds NaN/infinite samples or is constant.
        let findings = record.validate().filter { $0.severity == .error }
        var mask = [UInt8](repeating: 1, count: task.leads.count)
        var problems: [String] = []
        for (index, position) in positions.enumerated() {
            guard let position else {
                if options.skipsRecordsMissingLeads {
                    return skip(.missingLead, "\(file): record \(record.id) has no lead \(task.leads[index]) (its leads are "
                        + "\(record.leadNames.joined(separator: ", "))); the network reads \(task.leads.joined(separator: ", ")).")
                }
                mask[index] = 0
                problems.append("\(file): the record has no lead \(task.leads[index])")
                continue
            }
            let name = record.leadNames[position]
            if let finding = findings.first(where: { $0.lead == name }) {
                mask[index] = 0
                problems.append(finding.description)
            }
        }
        if options.dropsFlatLeads, let first = problems.first {
            let nonFinite = findings.contains { if case .nonFiniteSamples = $0 { return true } else { return false } }
            return skip(nonFinite ? .nonFiniteLead : .flatLead, first)
        }
        var selected = record
        selected.leadNames = task.leads
        selected.signals = positions.enumerated().map { index, position in
            guard let position, mask[index] != 0 else { return [Float](repeating: 0, count: record.sampleCount) }
            return record.signals[position]
        }
        do {
            if selected.samplingFrequency != options.samplingFrequency {
                let resampler = try PolyphaseResampler(from: selected.samplingFrequency, to: options.samplingFrequency)
                let samples = resampler.outputLength(forInputLength: selected.sampleCount)
                    .multipliedReportingOverflow(by: selected.signals.count)
                guard !samples.overflow, samples.partialValue <= WFDBRecord.maximumSampleCount else {
                    return skip(.oversizedRecord, "\(file): resampling from \(selected.samplingFrequency) Hz to "
                        + "\(options.samplingFrequency) Hz would make \(samples.overflow ? "too many" : String(samples.partialValue)) "
                        + "samples, more than the \(WFDBRecord.maximumSampleCount) a record may have. Check the header's "
                        + "sampling frequency.")
                }
            }
            selected = try selected.resampled(to: options.samplingFrequency)
            if let filter { selected = try selected.bandPassFiltered(by: filter) }
        } catch let error as ResamplingError {
            return skip(.unusableSignal, "\(file): \(error.description)")
        } catch let error as BandPassFilterError {
            return skip(.unusableSignal, "\(file): \(error.description)")
        } catch {
            return skip(.unusableSignal, "\(file): \(error)")
        }
        if !options.keepsUnlabelledRecords, !labels.contains(1) {
            return skip(.noScoredLabel, "\(file): none of the Dx codes \(record.diagnosisCodes) is one of the "
                + "\(task.classes.count) classes (unlabelled records are dropped as asked).")
        }
        let (samples, clipped) = Self.quantize(selected.signals)
        return .success(PreparedECGRecord(id: record.id, source: source, age: record.age, sex: record.sex,
                                          dxCodes: record.diagnosisCodes, labels: labels, samples: samples,
                                          length: selected.sampleCount, clippedSamples: clipped, leadMask: mask,
                                          maskedLeadProblems: problems,
                                          warnings: record.loadWarnings.filter { $0.severity == .warning }))
    }

    /// The record's label row over the task's classes: its Dx codes (with a Challenge list's equivalent codes
    /// set together), or its one class from the reference file.
    private func labels(of record: ECGRecord, file: String) -> Result<[UInt8], ECGRecordSkip> {
        switch options.labels {
        case .challenge2020, .challenge2021:
            let encoded = challengeClasses?.encode(dxCodes: record.diagnosisCodes).trainingTargets ?? []
            return .success(encoded.map { UInt8($0 != 0 ? 1 : 0) })
        case let .snomedList(classes, _):
            let codes = Set(record.diagnosisCodes.map { $0.trimmingCharacters(in: .whitespaces) })
            return .success(classes.map { codes.contains($0.code) ? 1 : 0 })
        case let .reference(references, classes, path):
            if references[record.id] == nil && options.labelsMayBeMissing {
                return .success([UInt8](repeating: 0, count: classes.count))
            }
            guard let label = references[record.id] else {
                return .failure(ECGRecordSkip(file: file, reason: .noReferenceLabel,
                                              message: "\(file): record \(record.id) has no line in \(path); add "
                                                + "'\(record.id),LABEL' there or leave the record out."))
            }
            guard let index = classes.firstIndex(where: { $0.code == label }) else {
                return .failure(ECGRecordSkip(file: file, reason: .noReferenceLabel,
                                              message: "\(file): its label '\(label)' in \(path) is not one of "
                                                + classes.map(\.code).joined(separator: ", ")))
            }
            return .success(classes.indices.map { $0 == index ? 1 : 0 })
        }
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
