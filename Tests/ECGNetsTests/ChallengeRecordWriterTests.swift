import DistTensor
import ECGNets
import Foundation
import Testing

@Suite struct ChallengeRecordWriterTests {
    /// Rewriting E07500 with its own samples, demographics and comments reproduces the Challenge's `.hea` and
    /// `.mat` files byte for byte: same layout, initial values, checksums and MAT header.
    @Test func rewritesE07500ByteForByte() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try WFDBRecord.read(headerAt: RecordsTestSupport.wfdb("E07500.hea"))
        let written = try ChallengeRecordWriter(gain: 1000).write(
            recordName: "E07500", samplingFrequency: 500, leadNames: original.header.signals.map(\.leadName),
            samples: original.samples, comments: original.header.comments, to: directory)
        #expect(written == directory.appendingPathComponent("E07500.hea"))
        #expect(try Data(contentsOf: written) == Data(contentsOf: RecordsTestSupport.wfdb("E07500.hea")))
        #expect(try Data(contentsOf: directory.appendingPathComponent("E07500.mat"))
            == Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat")))
    }

    /// Random int16 values, including both extremes, read back unchanged; the written checksums equal the sums
    /// modulo 65536 computed here in plain Int arithmetic, and the initial values the first samples.
    @Test func roundTripsInt16Samples() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var random = RandomStream(seed: 2021)
        var samples = (0..<12).map { _ in (0..<777).map { _ in Int16(truncatingIfNeeded: random.next()) } }
        samples[0][0] = Int16.max
        samples[1][0] = Int16.min + 1
        let comments = WFDBHeaderComments(age: nil, sex: .female, diagnosisCodes: ["164889003", "59118001"],
                                          fields: [.init(key: "Rx", value: "Unknown")], notes: ["synthetic"])
        let leads = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]
        let header = try ChallengeRecordWriter(gain: 400).write(
            recordName: "SIM_0001", samplingFrequency: 257, leadNames: leads, samples: samples, comments: comments,
            to: directory.appendingPathComponent("nested/set"))
        let read = try WFDBRecord.read(headerAt: header)
        #expect(read.samples == samples)
        #expect(read.header.recordName == "SIM_0001")
        #expect(read.header.samplingFrequency == 257)
        #expect(read.header.sampleCount == 777)
        #expect(read.header.comments == comments)
        for (signal, lead) in zip(read.header.signals, samples) {
            #expect(signal.gain == 400)
            #expect(signal.byteOffset == 24)
            let sum = lead.reduce(0) { $0 + Int($1) }
            #expect(((sum - (signal.checksum ?? sum + 1)) % 65536) == 0)
            #expect(signal.initialValue == Int(lead[0]))
        }
        #expect(read.checksumFindings().isEmpty)
    }

    /// An `ECGRecord` in mV written at gain 1000 reads back as the same mV values (its samples are whole µV).
    @Test func roundTripsAnECGRecordInMillivolts() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var record = try ECGRecord.load(headerAt: RecordsTestSupport.wfdb("E07514.hea"))
        record.signals[3][7] = .nan
        let header = try ChallengeRecordWriter().write(record, to: directory,
                                                       extraComments: [.init(key: "Hx", value: "Unknown")])
        var read = try ECGRecord.load(headerAt: header)
        #expect(read.id == "E07514")
        #expect(read.leadNames == record.leadNames)
        #expect(read.diagnosisCodes == ["427084000", "426434006", "59931005"])
        #expect(read.age == 29)
        #expect(read.sex == .male)
        #expect(read.signals[3][7].isNaN)
        read.signals[3][7] = 0
        record.signals[3][7] = 0
        #expect(read.signals == record.signals)
    }

    @Test func quantizesToNearestAndRejectsOverflow() throws {
        let writer = ChallengeRecordWriter(gain: 1000)
        #expect(try writer.quantize([0.0014, -0.0016, 32.767, -32.767, .nan], lead: "I", record: "r")
            == [1, -2, 32767, -32767, Int16.min])
        #expect(throws: ChallengeRecordWriterError.sampleOutOfRange(record: "r", lead: "V3", sample: 1,
                                                                   millivolts: 40, gain: 1000)) {
            try writer.quantize([0, 40], lead: "V3", record: "r")
        }
        let message = ChallengeRecordWriterError.sampleOutOfRange(record: "r", lead: "V3", sample: 1, millivolts: 40,
                                                                  gain: 1000).description
        #expect(message.contains("record r: lead V3, sample 1"))
    }

    @Test func rejectsContentThatWouldNotReadBack() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let writer = ChallengeRecordWriter()
        func write(name: String = "r", leads: [String] = ["I", "II"], samples: [[Int16]] = [[1, 2], [3, 4]],
                   dx: [String] = []) throws(ChallengeRecordWriterError) {
            _ = try writer.write(recordName: name, samplingFrequency: 500, leadNames: leads, samples: samples,
                                 comments: WFDBHeaderComments(diagnosisCodes: dx), to: directory)
        }
        #expect(throws: ChallengeRecordWriterError.invalidRecordName("bad name")) { try write(name: "bad name") }
        #expect(throws: ChallengeRecordWriterError.shapeMismatch(record: "r", reason: "1 lead names for 2 signals")) {
            try write(leads: ["I"])
        }
        #expect(throws: ChallengeRecordWriterError.shapeMismatch(record: "r",
                                                                reason: "leads have different lengths [1, 2]")) {
            try write(samples: [[1, 2], [3]])
        }
        #expect(throws: ChallengeRecordWriterError.invalidHeaderText(record: "r", field: "lead name", text: "I\nII")) {
            try write(leads: ["I\nII", "III"])
        }
        #expect(throws: ChallengeRecordWriterError.invalidHeaderText(record: "r", field: "Dx code", text: "AF")) {
            try write(dx: ["AF"])
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }
}
