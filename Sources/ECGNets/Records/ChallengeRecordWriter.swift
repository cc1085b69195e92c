import Foundation

/// Writes records the way the PhysioNet/CinC Challenge ships them: a WFDB header (`.hea`) whose signal lines point
/// into a MAT-file v4 (`.mat`) holding the int16 `val` matrix (leads x samples), with per-signal initial values
/// and checksums, and `# Age:`, `# Sex:`, `# Dx:` comments.
///
/// Reading a written record back with `WFDBRecord.read(headerAt:)` gives exactly the int16 values written.
public struct ChallengeRecordWriter: Sendable {
    /// ADC units per millivolt (the Challenge's files use 1000, i.e. 1 µV resolution).
    public var gain: Double

    /// A writer storing samples at `gain` ADC units per millivolt.
    public init(gain: Double = 1000) {
        self.gain = gain
    }

    /// Quantises `record`'s millivolts to int16 at `gain` (rounding to nearest, NaN written as WFDB's invalid
    /// sample -32768) and writes it to `directory` as `<id>.hea` and `<id>.mat`; returns the header's URL.
    public func write(_ record: ECGRecord, to directory: URL, extraComments: [WFDBHeaderComments.Field] = [])
        throws(ChallengeRecordWriterError) -> URL {
        guard record.leadNames.count == record.signals.count else {
            throw .shapeMismatch(record: record.id, reason: "\(record.leadNames.count) lead names for "
                + "\(record.signals.count) signals")
        }
        let samples = try zip(record.leadNames, record.signals).map { (lead, signal) throws(ChallengeRecordWriterError) in
            try quantize(signal, lead: lead, record: record.id)
        }
        let comments = WFDBHeaderComments(age: record.age, sex: record.sex, diagnosisCodes: record.diagnosisCodes,
                                          fields: extraComments)
        return try write(recordName: record.id, samplingFrequency: record.samplingFrequency,
                         leadNames: record.leadNames, samples: samples, comments: comments, to: directory)
    }

    /// Writes int16 ADC `samples` (`[lead][sample]`, stored at this writer's gain with baseline 0) to `directory`
    /// as `<recordName>.hea` and `<recordName>.mat`; returns the header's URL. The `.mat` is written first, so a
    /// header never points at a missing signal file.
    public func write(recordName: String, samplingFrequency: Double, leadNames: [String], samples: [[Int16]],
                      comments: WFDBHeaderComments, to directory: URL) throws(ChallengeRecordWriterError) -> URL {
        try checkContent(recordName: recordName, samplingFrequency: samplingFrequency, leadNames: leadNames,
                         samples: samples, comments: comments)
        let header = headerText(recordName: recordName, samplingFrequency: samplingFrequency, leadNames: leadNames,
                                samples: samples, comments: comments)
        let headerURL = directory.appendingPathComponent(recordName + ".hea")
        let matURL = directory.appendingPathComponent(recordName + ".mat")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .writeFailed(directory, reason: error.localizedDescription)
        }
        for (url, data) in [(matURL, MATv4Int16Matrix.encode(samples)), (headerURL, Data(header.utf8))] {
            do {
                try data.write(to: url, options: .atomic)
            } catch {
                throw .writeFailed(url, reason: error.localizedDescription)
            }
        }
        return headerURL
    }

    /// One lead in millivolts as int16 ADC values at this writer's gain; NaN becomes the invalid-sample marker.
    public func quantize(_ millivolts: [Float], lead: String, record: String) throws(ChallengeRecordWriterError)
        -> [Int16] {
        guard gain.isFinite, gain > 0 else {
            throw .invalidCalibration(record: record, reason: "gain \(gain) adu/mV")
        }
        let gain = gain
        return try millivolts.withUnsafeBufferPointer { values throws(ChallengeRecordWriterError) in
            var output = [Int16](repeating: 0, count: values.count)
            try output.withUnsafeMutableBufferPointer { output throws(ChallengeRecordWriterError) in
                for index in 0..<values.count {
                    let value = values[index]
                    if value.isNaN {
                        output[index] = WFDBSignalFormat.format16.invalidSampleValue
                        continue
                    }
                    let adc = (Double(value) * gain).rounded()
                    guard adc >= -Double(Int16.max), adc <= Double(Int16.max) else {
                        throw .sampleOutOfRange(record: record, lead: lead, sample: index, millivolts: value,
                                                gain: gain)
                    }
                    output[index] = Int16(adc)
                }
            }
            return output
        }
    }

    /// Rejects content that would produce a header or MAT file that does not read back as written.
    private func checkContent(recordName: String, samplingFrequency: Double, leadNames: [String],
                              samples: [[Int16]], comments: WFDBHeaderComments) throws(ChallengeRecordWriterError) {
        guard !recordName.isEmpty, recordName.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
        else { throw .invalidRecordName(recordName) }
        guard gain.isFinite, gain > 0 else {
            throw .invalidCalibration(record: recordName, reason: "gain \(gain) adu/mV")
        }
        guard samplingFrequency.isFinite, samplingFrequency > 0 else {
            throw .invalidCalibration(record: recordName, reason: "sampling frequency \(samplingFrequency) Hz")
        }
        guard leadNames.count == samples.count else {
            throw .shapeMismatch(record: recordName, reason: "\(leadNames.count) lead names for \(samples.count) "
                + "signals")
        }
        let length = samples.first?.count ?? 0
        guard samples.allSatisfy({ $0.count == length }) else {
            throw .shapeMismatch(record: recordName, reason: "leads have different lengths "
                + "\(Set(samples.map(\.count)).sorted())")
        }
        guard length <= Int(Int32.max), samples.count <= Int(Int32.max) else {
            throw .shapeMismatch(record: recordName, reason: "\(samples.count) x \(length) samples exceed the int32 "
                + "sizes of a MAT v4 header")
        }
        func breaksLine(_ text: String) -> Bool { text.contains(where: \.isNewline) }
        for lead in leadNames where breaksLine(lead) {
            throw .invalidHeaderText(record: recordName, field: "lead name", text: lead)
        }
        for code in comments.diagnosisCodes where code.isEmpty || !code.allSatisfy(\.isASCIIDigit) {
            throw .invalidHeaderText(record: recordName, field: "Dx code", text: code)
        }
        for field in comments.fields where breaksLine(field.key) || field.key.contains(":") || breaksLine(field.value) {
            throw .invalidHeaderText(record: recordName, field: "comment \(field.key)", text: field.value)
        }
        for note in comments.notes where breaksLine(note) {
            throw .invalidHeaderText(record: recordName, field: "comment", text: note)
        }
    }

    /// The header text, laid out as the Challenge's files: record line, one `16x1+24` signal line per lead, then
    /// Age, Sex, Dx and the other comments.
    private func headerText(recordName: String, samplingFrequency: Double, leadNames: [String], samples: [[Int16]],
                            comments: WFDBHeaderComments) -> String {
        func number(_ value: Double) -> String {
            value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        }
        let matrixOffset = MATv4Int16Matrix.encodedDataOffset
        var lines = ["\(recordName) \(leadNames.count) \(number(samplingFrequency)) \(samples.first?.count ?? 0)"]
        for (lead, signal) in zip(leadNames, samples) {
            let initial = signal.first.map(Int.init) ?? 0
            let checksum = WFDBChecksum.of(signal)
            lines.append("\(recordName).mat 16x1+\(matrixOffset) \(gain)(0)/mV 16 0 \(initial) \(checksum) 0 \(lead)")
        }
        lines.append("# Age: \(comments.age.map(number) ?? "NaN")")
        lines.append("# Sex: \(comments.sex.rawValue)")
        lines.append("# Dx: \(comments.diagnosisCodes.joined(separator: ","))")
        lines += comments.fields.map { "# \($0.key): \($0.value)" }
        lines += comments.notes.map { "# \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
