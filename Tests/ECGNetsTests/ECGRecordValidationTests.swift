import ECGNets
import Foundation
import Testing

@Suite struct ECGRecordValidationTests {
    /// Writes a 3-lead record whose lead B holds `leadB` (ADC at gain 1000) and reads it back.
    private func loadRecord(leadB: [Int16], in directory: URL) throws -> ECGRecord {
        let ramp = (0..<leadB.count).map { Int16($0) }
        let header = try ChallengeRecordWriter().write(
            recordName: "bad", samplingFrequency: 500, leadNames: ["A", "B", "C"], samples: [ramp, leadB, ramp],
            comments: WFDBHeaderComments(), to: directory)
        return try ECGRecord.load(headerAt: header)
    }

    @Test func nanLeadIsAnErrorNamingTheLead() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var leadB = (0..<100).map { Int16($0 % 7) }
        leadB[10] = Int16.min  // WFDB's invalid-sample marker reads as NaN
        leadB[20] = Int16.min
        let findings = try loadRecord(leadB: leadB, in: directory).validate()
        let header = directory.appendingPathComponent("bad.hea")
        #expect(findings == [.nonFiniteSamples(file: header, lead: "B", count: 2)])
        #expect(findings[0].severity == .error)
        #expect(findings[0].description.contains(header.path))
        #expect(findings[0].description.contains("lead B has 2 NaN or infinite samples"))
    }

    @Test func constantZeroLeadIsAnErrorNamingTheLead() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let findings = try loadRecord(leadB: [Int16](repeating: 0, count: 100), in: directory).validate()
        let header = directory.appendingPathComponent("bad.hea")
        #expect(findings == [.constantLead(file: header, lead: "B", millivolts: 0)])
        #expect(findings[0].severity == .error)
        #expect(findings[0].description.contains(header.path))
        #expect(findings[0].description.contains("lead B is constant zero"))
    }

    @Test func recordWithoutSamplesIsAnError() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let findings = try loadRecord(leadB: [], in: directory).validate()
        #expect(findings == [.emptyRecord(file: directory.appendingPathComponent("bad.hea"))])
    }

    /// A header whose checksum and initial value for V2 were edited still loads; both are reported as warnings.
    @Test func checksumMismatchIsAWarning() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try RecordsTestSupport.copyFixtures(["E07500.mat"], to: directory)
        let original = try String(contentsOf: RecordsTestSupport.wfdb("E07500.hea"), encoding: .utf8)
        let edited = original.replacingOccurrences(of: "16 0 97 3913 0 V2", with: "16 0 98 3914 0 V2")
        #expect(edited != original)
        let header = try RecordsTestSupport.write(edited, to: directory, as: "E07500.hea")
        let record = try ECGRecord.load(headerAt: header)
        #expect(record.loadWarnings == [
            .checksumMismatch(file: header, lead: "V2", headerChecksum: 3914, computedChecksum: 3913),
            .initialValueMismatch(file: header, lead: "V2", headerValue: 98, firstSample: 97),
        ])
        #expect(record.loadWarnings.allSatisfy { $0.severity == .warning })
        #expect(record.validate() == record.loadWarnings)
        let message = record.loadWarnings[0].description
        #expect(message.contains(header.path))
        #expect(message.contains("lead V2: the header's checksum 3914 is not the 16-bit sum of the samples (3913)"))
    }

    /// The three fixture records of the Challenge have no flat or missing leads.
    @Test(arguments: ["E07500.hea", "E07501.hea", "E07514.hea"])
    func realRecordsHaveNoFindings(_ name: String) throws {
        #expect(try ECGRecord.load(headerAt: RecordsTestSupport.wfdb(name)).validate().isEmpty)
    }
}
