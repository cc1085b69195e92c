import ECGNets
import Foundation
import Testing

/// Each bad input is built in a temporary directory; each test checks the typed error and that its message names
/// the file and the problem.
@Suite struct WFDBRecordErrorTests {
    private static let leads = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]

    /// Runs `body` with a fresh directory that is removed afterwards.
    private func inTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    /// Loads `header` expecting a `WFDBRecordError`, and returns it with its message.
    private func loadError(_ header: URL) -> (error: WFDBRecordError, message: String)? {
        do {
            _ = try ECGRecord.load(headerAt: header)
            return nil
        } catch {
            return (error, error.description)
        }
    }

    /// A Challenge-style header for `signals` leads stored in `<name>.mat`, with `declared` on the record line.
    private func challengeHeader(_ name: String, declared: Int, signals: Int, samples: Int = 5000) -> String {
        var lines = ["\(name) \(declared) 500 \(samples)"]
        for lead in Self.leads.prefix(signals) {
            lines.append("\(name).mat 16x1+24 1000.0(0)/mV 16 0 0 0 0 \(lead)")
        }
        return lines.joined(separator: "\n") + "\n# Dx: 426783006\n"
    }

    @Test func truncatedMATFileIsReported() throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.copyFixtures(["E07500.hea"], to: directory)
            let mat = try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat"))
            try mat.prefix(mat.count - 1000).write(to: directory.appendingPathComponent("E07500.mat"))
            let failure = try #require(loadError(header))
            #expect(failure.error == .matFileSizeMismatch(directory.appendingPathComponent("E07500.mat"),
                                                          expectedBytes: 120_024, actualBytes: 119_024))
            #expect(failure.message.contains(directory.appendingPathComponent("E07500.mat").path))
            #expect(failure.message.contains("truncated"))
        }
    }

    @Test func matFileWithTrailingBytesIsReported() throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.copyFixtures(["E07500.hea"], to: directory)
            let mat = try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat"))
            try (mat + Data(count: 8)).write(to: directory.appendingPathComponent("E07500.mat"))
            let failure = try #require(loadError(header))
            #expect(failure.message.contains("E07500.mat"))
            #expect(failure.message.contains("trailing bytes"))
        }
    }

    @Test func matFileThatIsNotAnInt16ValMatrixIsReported() throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.copyFixtures(["E07500.hea"], to: directory)
            var renamed = try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat"))
            renamed[20] = UInt8(ascii: "x")  // the matrix name "val" becomes "xal"
            try renamed.write(to: directory.appendingPathComponent("E07500.mat"))
            let failure = try #require(loadError(header))
            #expect(failure.message.contains("E07500.mat"))
            #expect(failure.message.contains("named \"xal\""))

            var doubles = try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat"))
            doubles[0] = 0  // type 30 (int16) becomes 0 (double)
            try doubles.write(to: directory.appendingPathComponent("E07500.mat"))
            let typeFailure = try #require(loadError(header))
            #expect(typeFailure.message.contains("E07500.mat"))
            #expect(typeFailure.message.contains("not a full int16 matrix"))
        }
    }

    @Test func leadCountDisagreeingWithSignalLinesIsReported() throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.write(challengeHeader("E07500", declared: 12, signals: 11),
                                                      to: directory, as: "E07500.hea")
            let failure = try #require(loadError(header))
            #expect(failure.error == .signalCountMismatch(header, declared: 12, signalLines: 11))
            #expect(failure.message.contains(header.path))
            #expect(failure.message.contains("declares 12 signals but the header has 11 signal lines"))
        }
    }

    @Test func leadCountDisagreeingWithTheDataMatrixIsReported() throws {
        try inTemporaryDirectory { directory in
            try RecordsTestSupport.copyFixtures(["E07500.mat"], to: directory)
            let header = try RecordsTestSupport.write(challengeHeader("E07500", declared: 11, signals: 11),
                                                      to: directory, as: "E07500.hea")
            let mat = directory.appendingPathComponent("E07500.mat")
            let failure = try #require(loadError(header))
            #expect(failure.error == .matrixShapeMismatch(mat, rows: 12, columns: 5000, expectedRows: 11,
                                                          expectedColumns: 5000))
            #expect(failure.message.contains(mat.path))
            #expect(failure.message.contains("12 leads x 5000 samples but the header declares 11 leads"))

            try RecordsTestSupport.write(challengeHeader("E07500", declared: 12, signals: 12, samples: 4000),
                                         to: directory, as: "E07500.hea")
            let samplesFailure = try #require(loadError(header))
            #expect(samplesFailure.message.contains("x 4000 samples"))
        }
    }

    @Test func unsupportedFormatsAreReported() throws {
        try inTemporaryDirectory { directory in
            for (format, lead) in [("80", "ECG"), ("16x2", "V1"), ("212:3", "V2")] {
                let header = try RecordsTestSupport.write("r 1 500 10\nr.dat \(format) 200 12 0 0 0 0 \(lead)\n",
                                                          to: directory, as: "r.hea")
                let failure = try #require(loadError(header))
                #expect(failure.error == .unsupportedFormat(header, signal: lead, format: format))
                #expect(failure.message.contains(header.path))
                #expect(failure.message.contains("uses format \"\(format)\", which is not supported"))
            }
            let multiSegment = try RecordsTestSupport.write("r/3 2 360 100\nr_1 50\nr_2 50\n", to: directory,
                                                            as: "multi.hea")
            let failure = try #require(loadError(multiSegment))
            #expect(failure.message.contains(multiSegment.path))
            #expect(failure.message.contains("multi-segment records are not supported"))
        }
    }

    @Test func unsupportedUnitsAreReported() throws {
        try inTemporaryDirectory { directory in
            try Data(count: 20).write(to: directory.appendingPathComponent("r.dat"))
            let header = try RecordsTestSupport.write("r 1 500 10\nr.dat 16 200/mmHg 16 0 0 0 0 ABP\n",
                                                      to: directory, as: "r.hea")
            let failure = try #require(loadError(header))
            #expect(failure.message.contains(header.path))
            #expect(failure.message.contains("signal \"ABP\" is in units \"mmHg\""))
        }
    }

    @Test func missingSignalFileIsReported() throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.copyFixtures(["E07500.hea"], to: directory)
            let failure = try #require(loadError(header))
            let mat = directory.appendingPathComponent("E07500.mat")
            #expect(failure.error == .missingSignalFile(header: header, signalFile: mat))
            #expect(failure.message.contains(header.path))
            #expect(failure.message.contains("signal file \(mat.path) does not exist"))
        }
    }

    @Test func truncatedDatFileIsReported() throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.copyFixtures(["E07500_fmt212.hea"], to: directory)
            let dat = try Data(contentsOf: RecordsTestSupport.wfdb("E07500_fmt212.dat"))
            let copy = directory.appendingPathComponent("E07500_fmt212.dat")
            try dat.prefix(89_997).write(to: copy)
            let failure = try #require(loadError(header))
            #expect(failure.error == .signalFileTooShort(copy, expectedBytes: 90_000, actualBytes: 89_997))
            #expect(failure.message.contains(copy.path))
            #expect(failure.message.contains("truncated"))
        }
    }

    @Test(arguments: [
        ("E07500 twelve 500 5000\n", 1, "the number of signals \"twelve\" is not a non-negative integer"),
        ("E07500 1 fast 5000\n", 1, "the sampling frequency \"fast\" is not a positive number"),
        ("E07500 1 500 5000\nE07500.mat 16x1+24 high/mV 16 0 0 0 0 I\n", 2, "ADC gain \"high\" is not a number"),
        ("E07500 1 500 5000\nE07500.mat 16x1+24 1000(a)/mV 16 0 0 0 0 I\n", 2, "baseline in \"1000(a)/mV\""),
        ("E07500 1 500 5000\nE07500.mat 16x1+24 1000/mV 16 zero 0 0 0 I\n", 2, "ADC zero \"zero\" is not an integer"),
        ("E07500 1 500 5000\nE07500.mat 16x1+24 1000/mV 16 0 0 0 0 I\n# Age: old\n", 3, "Age \"old\""),
        ("E07500 1 500 5000\nE07500.mat 16x1+24 1000/mV 16 0 0 0 0 I\n# Sex: X\n", 3, "Sex \"X\""),
        ("E07500 1 500 5000\nE07500.mat 16x1+24 1000/mV 16 0 0 0 0 I\n# Dx: 1\n# Dx: 2\n", 4, "Dx appears more"),
    ])
    func unparsableHeaderLinesAreReported(_ text: String, _ line: Int, _ problem: String) throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.write(text, to: directory, as: "E07500.hea")
            let failure = try #require(loadError(header))
            guard case let .malformedHeaderLine(file, number, _, _) = failure.error else {
                Issue.record("expected a malformed header line, got \(failure.error)")
                return
            }
            #expect(file == header)
            #expect(number == line)
            #expect(failure.message.contains("\(header.path), line \(line)"))
            #expect(failure.message.contains(problem))
        }
    }

    @Test func headerWithoutRecordLineIsReported() throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.write("# Age: 50\n\n", to: directory, as: "empty.hea")
            let failure = try #require(loadError(header))
            #expect(failure.error == .missingRecordLine(header))
            #expect(failure.message.contains(header.path))
            #expect(failure.message.contains("no record line"))
        }
    }

    @Test func nonNumericDxCodeIsReported() throws {
        try inTemporaryDirectory { directory in
            let text = challengeHeader("E07500", declared: 12, signals: 12)
                .replacingOccurrences(of: "# Dx: 426783006", with: "# Dx: 426783006,AF,164889003")
            let header = try RecordsTestSupport.write(text, to: directory, as: "E07500.hea")
            let failure = try #require(loadError(header))
            #expect(failure.error == .invalidDiagnosisCode(header, line: 14, code: "AF"))
            #expect(failure.message.contains("\(header.path), line 14"))
            #expect(failure.message.contains("Dx code \"AF\" is not a numeric SNOMED-CT code"))
        }
    }

    /// Two signals sharing a file must agree on its format.
    @Test func signalsSharingAFileWithDifferentFormatsAreReported() throws {
        try inTemporaryDirectory { directory in
            let header = try RecordsTestSupport.write("r 2 500 10\nr.dat 16 200 16 0 0 0 0 A\nr.dat 212 200 12 0 0 0 0 B\n",
                                                      to: directory, as: "r.hea")
            let failure = try #require(loadError(header))
            #expect(failure.message.contains(header.path))
            #expect(failure.message.contains("differ in format or byte offset"))
        }
    }

    @Test func missingDirectoryIsReported() throws {
        let missing = URL(fileURLWithPath: "/nonexistent-\(UUID().uuidString)")
        #expect(throws: WFDBRecordError.unreadableDirectory(missing, reason: "no such directory")) {
            try WFDBRecordDirectory.headerURLs(under: missing)
        }
    }
}
