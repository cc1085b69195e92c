import DistTensor
import ECGNets
import Foundation
import Testing

/// Issue 14 must-hold 2: 1,200 mutated records (random truncations, bit flips, numeric header fields replaced by
/// extreme values, MAT size words replaced by extreme int32s), seeded so every run tries the same ones, go through
/// the record readers (`ECGRecord.load`) and `prepare`'s record path (`ECGDatasetPreparation`) in this process.
///
/// Holds: no crash (a trap would end the test process), no hang (each read is timed, and the suite has a time
/// limit), every record is either read or refused with a `WFDBRecordError` naming its file, and in `prepare` every
/// record is kept or skipped with a reason. Allocation bound: a reader never reads a file beyond
/// `WFDBRecord.maximumSignalFileBytes` (or a header beyond `WFDBHeader.maximumBytes`) into memory nor decodes more
/// than `WFDBRecord.maximumSampleCount` samples, and preparation never resamples beyond that count: checked here
/// on a sparse 4 GiB signal file (refused before it is read) and on a rate that would resample 10,000-fold; the
/// peak resident memory of the fuzz run is measured and must stay within 1 GiB of where it started.
@Suite(.serialized, .timeLimit(.minutes(2))) struct RecordFuzzTests {
    static let caseCount = 1_200
    static let seed: UInt64 = 14

    /// The base records: E07500's first 1,000 samples (12 leads, 500 Hz) as a Challenge `.mat`, a format 16 `.dat`
    /// and a format 212 `.dat`; `(header text with NAME for the record name, signal file extension, signal bytes)`.
    static func baseRecords() throws -> [(header: String, ext: String, signal: Data)] {
        let samples = 1000
        let mat = try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat"))
        var shortMat = Data(mat.prefix(24 + 24 * samples))
        shortMat.replaceSubrange(8..<12, with: withUnsafeBytes(of: Int32(samples).littleEndian) { Data($0) })
        func header(_ fixture: String, _ name: String) throws -> String {
            let text = try String(contentsOf: RecordsTestSupport.wfdb(fixture + ".hea"), encoding: .utf8)
            return text.replacingOccurrences(of: fixture, with: "NAME")
                .replacingOccurrences(of: "NAME 12 500 5000", with: "NAME 12 500 \(samples)")
        }
        let fmt16 = try Data(contentsOf: RecordsTestSupport.wfdb("E07500_fmt16.dat")).prefix(24 * samples)
        let fmt212 = try Data(contentsOf: RecordsTestSupport.wfdb("E07500_fmt212.dat")).prefix(18 * samples)
        return [(try header("E07500", "NAME"), "mat", shortMat),
                (try header("E07500_fmt16", "NAME"), "dat", Data(fmt16)),
                (try header("E07500_fmt212", "NAME"), "dat", Data(fmt212))]
    }

    /// Values a numeric header field is replaced by.
    static let extremeValues = ["0", "-1", "1", "2147483647", "2147483648", "-2147483649", "9223372036854775807",
                                "-9223372036854775808", "99999999999999999999999", "1e-300", "1e300", "-1e300", "nan",
                                "inf", "-inf", "0.05", "4.9e-324", "1e308", "16777216", "x", ""]
    static let extremeWords: [Int32] = [0, -1, 1, Int32.max, Int32.min, 1 << 24, 1 << 30, 65535, 12, 13, 1001]

    /// One mutated copy of a base record: what was done, the header bytes and the signal bytes.
    static func mutate(_ base: (header: String, ext: String, signal: Data), name: String,
                       random: inout RandomStream) -> (what: [String], header: Data, signal: Data) {
        var what: [String] = []
        var header = Data(base.header.replacingOccurrences(of: "NAME", with: name).utf8)
        var signal = base.signal
        let mutateHeader = random.next() % 10 < 6
        let mutateSignal = !mutateHeader || random.next() % 10 < 5
        if mutateHeader {
            switch random.next() % 5 {
            case 0:
                let cut = Int(random.next() % UInt64(header.count))
                header = header.prefix(cut)
                what.append("header cut at \(cut)")
            case 1, 2:
                var text = String(decoding: header, as: UTF8.self)
                var tokens = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    let numeric = tokens.indices.filter { tokens[$0].contains(where: \.isNumber) }
                    guard !numeric.isEmpty else { break }
                    let index = numeric[Int(random.next() % UInt64(numeric.count))]
                    let value = extremeValues[Int(random.next() % UInt64(extremeValues.count))]
                    // Keep the token's non-numeric frame, e.g. "1000.0(0)/mV" -> "1e-300(0)/mV", "16x1+24" -> "16x1+x".
                    let token = tokens[index]
                    let digits = token.firstIndex(where: \.isNumber)!
                    let end = token[digits...].firstIndex { !($0.isNumber || $0 == ".") } ?? token.endIndex
                    tokens[index] = String(token[..<digits]) + value + String(token[end...])
                    what.append("token \(index) '\(token)' -> '\(tokens[index])'")
                }
                text = tokens.joined(separator: " ")
                header = Data(text.utf8)
            case 3:
                let flips = 1 + Int(random.next() % 8)
                for _ in 0..<flips {
                    let position = Int(random.next() % UInt64(header.count))
                    header[position] ^= UInt8(1) << (random.next() % 8)
                }
                what.append("\(flips) header bit flips")
            default:
                var lines = String(decoding: header, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                let index = Int(random.next() % UInt64(lines.count))
                if random.next() % 2 == 0 { lines.remove(at: index) } else { lines.insert(lines[index], at: index) }
                header = Data(lines.joined(separator: "\n").utf8)
                what.append("line \(index) removed or doubled")
            }
        }
        if mutateSignal {
            switch random.next() % 4 {
            case 0:
                let cut = Int(random.next() % UInt64(signal.count + 1))
                signal = signal.prefix(cut)
                what.append("signal cut at \(cut)")
            case 1:
                let flips = 1 + Int(random.next() % 16)
                // Half the flips land in the first 64 bytes, where the MAT header and the first frames are.
                for _ in 0..<flips {
                    let range = random.next() % 2 == 0 ? min(64, signal.count) : signal.count
                    let position = Int(random.next() % UInt64(range))
                    signal[position] ^= UInt8(1) << (random.next() % 8)
                }
                what.append("\(flips) signal bit flips")
            case 2:
                let word = Int(random.next() % 5)
                let value = extremeWords[Int(random.next() % UInt64(extremeWords.count))]
                signal.replaceSubrange((4 * word)..<(4 * word + 4), with: withUnsafeBytes(of: value.littleEndian) { Data($0) })
                what.append("signal word \(word) -> \(value)")
            default:
                let extra = Int(random.next() % 64) + 1
                signal.append(contentsOf: (0..<extra).map { _ in UInt8(truncatingIfNeeded: random.next()) })
                what.append("\(extra) bytes appended")
            }
        }
        return (what, header, signal)
    }

    /// The peak resident set size of this process in KiB (`VmHWM`).
    static func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }

    @Test func mutatedRecordsAreReadOrRefusedWithAReason() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        try FileManager.default.createDirectory(at: records, withIntermediateDirectories: true)
        let bases = try Self.baseRecords()
        var random = RandomStream(seed: Self.seed)
        var mutations: [String: [String]] = [:]
        for index in 0..<Self.caseCount {
            let name = String(format: "F%04d", index)
            let base = bases[index % bases.count]
            let mutated = Self.mutate(base, name: name, random: &random)
            mutations[name] = mutated.what
            try mutated.header.write(to: records.appendingPathComponent(name + ".hea"))
            try mutated.signal.write(to: records.appendingPathComponent(name + "." + base.ext))
        }
        // The peak since here (Linux: writing 5 to clear_refs resets VmHWM to the current resident size).
        try? Data("5".utf8).write(to: URL(fileURLWithPath: "/proc/self/clear_refs"))
        let startKiB = Self.peakResidentKiB()

        var read = 0, refused = 0, slowest = 0.0
        for index in 0..<Self.caseCount {
            let name = String(format: "F%04d", index)
            let header = records.appendingPathComponent(name + ".hea")
            let started = Date()
            do {
                let record = try ECGRecord.load(headerAt: header)
                read += 1
                #expect(record.id == name)
                #expect(record.signals.count == record.leadNames.count, "\(name) \(mutations[name]!)")
                #expect(Set(record.signals.map(\.count)).count <= 1, "\(name): leads of different lengths")
                #expect(record.signals.count * record.sampleCount <= WFDBRecord.maximumSampleCount)
            } catch {
                refused += 1
                #expect("\(error)".contains(records.path + "/" + name), "\(name) \(mutations[name]!): \(error)")
            }
            slowest = max(slowest, Date().timeIntervalSince(started))
        }
        #expect(read + refused == Self.caseCount)
        #expect(slowest < 5, "the slowest read took \(slowest) s")

        let started = Date()
        let summary = try ECGDatasetPreparation().prepare(.directory(records), to: directory.appendingPathComponent("fuzz.nc"))
        let seconds = Date().timeIntervalSince(started)
        #expect(summary.recordsRead == Self.caseCount)
        #expect(summary.recordsKept + summary.skips.count == Self.caseCount)
        #expect(summary.skips.allSatisfy { !$0.message.isEmpty && $0.file.hasPrefix(records.path) }, "\(summary.skips.prefix(3))")
        let dataset = try ECGDataset(contentsOf: directory.appendingPathComponent("fuzz.nc"))
        #expect(dataset.records.count == summary.recordsKept)
        var growthMiB: Double?
        if let startKiB, let endKiB = Self.peakResidentKiB() { growthMiB = Double(endKiB - startKiB) / 1024 }
        if let growthMiB { #expect(growthMiB < 1024, "peak resident memory grew by \(growthMiB) MiB") }
        let reasons = summary.skipCounts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        print("RecordFuzzTests: \(Self.caseCount) mutated records: readers read \(read), refused \(refused) (slowest "
              + "\(String(format: "%.3f", slowest)) s); prepare kept \(summary.recordsKept), skipped \(summary.skips.count) "
              + "(\(reasons)) in \(String(format: "%.1f", seconds)) s; peak RSS growth "
              + (growthMiB.map { String(format: "%.0f MiB", $0) } ?? "not measurable"))
        // The mutations must reach every stage, or the test proves little: some records survive, and the skips
        // span truncated files, malformed headers and more.
        #expect(summary.recordsKept > 50 && summary.skipCounts.count >= 5, "\(reasons)")
    }

    /// Sizes beyond the caps are refused before anything that large is read or allocated: a sparse 4 GiB `.dat`
    /// (no disk used) whose header declares all its samples, and a 0.05 Hz header that prepare would resample
    /// 10,000-fold.
    @Test func oversizedRecordsAreRefusedBeforeAllocating() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let signal = directory.appendingPathComponent("BIG.dat")
        #expect(FileManager.default.createFile(atPath: signal.path, contents: nil))
        let handle = try FileHandle(forWritingTo: signal)
        try handle.truncate(atOffset: 1 << 32)
        try handle.close()
        let samples = (1 << 32) / 24
        var lines = ["BIG 12 500 \(samples)"]
        for lead in ECGTask.twelveLeads { lines.append("BIG.dat 16 1000/mV 16 0 0 0 0 \(lead)") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: directory.appendingPathComponent("BIG.hea"))
        let started = Date()
        #expect {
            _ = try ECGRecord.load(headerAt: directory.appendingPathComponent("BIG.hea"))
        } throws: { error in
            guard case let .oversizedFile(url, bytes, limit) = error as? WFDBRecordError else { return false }
            return url.lastPathComponent == "BIG.dat" && bytes == 1 << 32 && limit == WFDBRecord.maximumSignalFileBytes
        }
        #expect(Date().timeIntervalSince(started) < 1)
        try FileManager.default.removeItem(at: signal)
        try FileManager.default.removeItem(at: directory.appendingPathComponent("BIG.hea"))

        let base = try Self.baseRecords()[0]
        try Data(base.header.replacingOccurrences(of: "NAME", with: "SLOW")
            .replacingOccurrences(of: "SLOW 12 500 1000", with: "SLOW 12 0.05 1000").utf8)
            .write(to: directory.appendingPathComponent("SLOW.hea"))
        try base.signal.write(to: directory.appendingPathComponent("SLOW.mat"))
        #expect {
            _ = try ECGDatasetPreparation().prepare(.directory(directory), to: directory.appendingPathComponent("d.nc"))
        } throws: { error in
            guard case let .noUsableRecords(_, skips) = error as? ECGDatasetPreparationError else { return false }
            return skips.map(\.reason) == [.oversizedRecord] && skips[0].message.contains("would make 120000000 samples")
        }
    }
}
