import DistTensor
import ECGNets
import Foundation
import Testing

/// Issue 14 items 1, 4, 6, 7 and 8 (gain) in the library: hostile or unusual record directories give a counted,
/// reported skip or are accepted; good records beside them survive; nothing outside the data directory is read.
@Suite struct HostileRecordTests {
    /// A scratch directory removed after `body`.
    private func inTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    /// E07500's header text renamed to `name`, with `edit` applied.
    private static func header(_ name: String, _ edit: (String) -> String = { $0 }) throws -> String {
        let text = try String(contentsOf: RecordsTestSupport.wfdb("E07500.hea"), encoding: .utf8)
        return edit(text.replacingOccurrences(of: "E07500", with: name))
    }

    private static func mat() throws -> Data { try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat")) }

    /// Writes `<name>.hea` (bytes) and, when given, `<name>.mat` into `folder`.
    private static func write(_ name: String, header: Data, mat: Data?, in folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try header.write(to: folder.appendingPathComponent(name + ".hea"))
        try mat?.write(to: folder.appendingPathComponent(name + ".mat"))
    }

    private static func prepare(_ data: URL, to output: URL, followsSymlinksOutside: Bool = false) throws
        -> ECGDatasetPreparationSummary {
        var options = ECGDatasetPreparationOptions()
        options.followsSymlinksOutside = followsSymlinksOutside
        return try ECGDatasetPreparation(options: options).prepare(.directory(data), to: output)
    }

    /// Item 1: signal files named `../secret.mat`, `../../x.dat` or `../../../../etc/passwd`, and a symbolic link to a
    /// file outside the data directory, are not opened: each record is skipped as `outside_data_directory` with a
    /// message that says nothing about the outside file (not its size); the link is read with
    /// `followsSymlinksOutside`; the good record stays.
    @Test func signalFilesOutsideTheDataDirectoryAreNotRead() throws {
        try inTemporaryDirectory { directory in
            let data = directory.appendingPathComponent("data")
            let folder = data.appendingPathComponent("db")
            let mat = try Self.mat()
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // Valid signal files outside the data directory: a reader that opened them would keep the records.
            try mat.write(to: directory.appendingPathComponent("secret.mat"))
            try mat.write(to: data.appendingPathComponent("x.mat"))  // inside the data tree, but not beside the header
            let outside = directory.appendingPathComponent("elsewhere")
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            try mat.write(to: outside.appendingPathComponent("LINKED.mat"))
            try Self.write("GOOD", header: Data(try Self.header("GOOD").utf8), mat: mat, in: folder)
            for (name, signalFile) in [("UP1", "../../secret.mat"), ("UP2", "../x.mat"),
                                       ("PASSWD", "../../../../../../../../etc/passwd")] {
                let text = try Self.header(name) { $0.replacingOccurrences(of: "\(name).mat", with: signalFile) }
                try Self.write(name, header: Data(text.utf8), mat: nil, in: folder)
            }
            try Self.write("LINKED", header: Data(try Self.header("LINKED").utf8), mat: nil, in: folder)
            try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("LINKED.mat"),
                                                       withDestinationURL: outside.appendingPathComponent("LINKED.mat"))

            let summary = try Self.prepare(data, to: directory.appendingPathComponent("a.nc"))
            #expect(summary.recordsRead == 5 && summary.recordsKept == 1, "\(summary.skips)")
            #expect(summary.skipCounts == [.outsideDataDirectory: 4], "\(summary.skips)")
            let passwdSize = (try? FileManager.default.attributesOfItem(atPath: "/etc/passwd")[.size] as? NSNumber)?.intValue
            for skip in summary.skips {
                #expect(skip.message.contains(skip.file) && skip.message.contains("was not opened"), "\(skip.message)")
                #expect(!skip.message.contains("bytes"), "\(skip.message)")
                if let passwdSize { #expect(!skip.message.contains(String(passwdSize)), "\(skip.message)") }
            }
            let link = try #require(summary.skips.first { $0.file.hasSuffix("LINKED.hea") })
            #expect(link.message.contains("--follow-symlinks-outside") && !link.message.contains(outside.path),
                    "\(link.message)")
            #expect(try ECGDataset(contentsOf: directory.appendingPathComponent("a.nc")).records.map(\.id) == ["GOOD"])

            // Allowed: the link is followed; names with '..' stay refused.
            let allowed = try Self.prepare(data, to: directory.appendingPathComponent("b.nc"), followsSymlinksOutside: true)
            #expect(allowed.recordsKept == 2 && allowed.skipCounts == [.outsideDataDirectory: 3], "\(allowed.skips)")
        }
    }

    /// Item 4: a NUL byte in one header's record line, another in a `# Dx:` line and an escape byte in a comment
    /// each skip only that record (`malformed_header`, the line named); invalid UTF-8 is read as Latin-1; the good
    /// records are written, and text from file names is stored sanitised.
    @Test func controlBytesInAHeaderSkipOnlyThatRecord() throws {
        try inTemporaryDirectory { directory in
            let data = directory.appendingPathComponent("data")
            let mat = try Self.mat()
            let folder = data.appendingPathComponent("db\u{1B}[31m")
            try Self.write("GOOD", header: Data(try Self.header("GOOD").utf8), mat: mat, in: folder)
            let nulRecordLine = try Self.header("NUL1") { $0.replacingOccurrences(of: "NUL1 12", with: "NUL1\u{0} 12") }
            try Self.write("NUL1", header: Data(nulRecordLine.utf8), mat: mat, in: folder)
            let nulDx = try Self.header("NUL2") { $0.replacingOccurrences(of: "# Dx: 6774", with: "# Dx: 67\u{0}74") }
            try Self.write("NUL2", header: Data(nulDx.utf8), mat: mat, in: folder)
            let escape = try Self.header("ESC") { $0.replacingOccurrences(of: "# Rx: Unknown", with: "# Rx: \u{1B}]0;x\u{7}") }
            try Self.write("ESC", header: Data(escape.utf8), mat: mat, in: folder)
            var latin1 = Data(try Self.header("LATIN1").utf8)
            latin1.append(contentsOf: [0x23, 0x20, 0x4E, 0x6F, 0x74, 0x65, 0x3A, 0x20, 0xB5, 0x56, 0x0A])  // "# Note: µV" in Latin-1
            try Self.write("LATIN1", header: latin1, mat: mat, in: folder)

            let output = directory.appendingPathComponent("d.nc")
            let summary = try Self.prepare(data, to: output)
            #expect(summary.recordsRead == 5 && summary.recordsKept == 2, "\(summary.skips)")
            #expect(summary.skipCounts == [.malformedHeader: 3], "\(summary.skips)")
            for (name, line) in [("NUL1", 1), ("NUL2", 16), ("ESC", 17)] {
                let skip = try #require(summary.skips.first { $0.file.hasSuffix("\(name).hea") })
                #expect(skip.message.contains("line \(line): the header holds the control byte"), "\(skip.message)")
                #expect(!skip.message.unicodeScalars.contains { $0.properties.generalCategory == .control }, "\(skip.message)")
            }
            let file = try NetCDFFile.open(at: output)
            #expect(try file.root.attributes.integer(named: "skipped_malformed_header") == 3)
            try file.close()
            let dataset = try ECGDataset(contentsOf: output)
            #expect(dataset.records.map(\.id) == ["GOOD", "LATIN1"])
            #expect(dataset.records.allSatisfy { $0.source == "db\\u{1B}[31m" }, "\(dataset.records.map(\.source))")
        }
    }

    /// Item 6: the record id is the file name; a record line naming another record is a counted warning.
    @Test func recordIDComesFromTheFileName() throws {
        try inTemporaryDirectory { directory in
            let data = directory.appendingPathComponent("data")
            let text = try Self.header("E07500") { $0.replacingOccurrences(of: "E07500 12 500", with: "E99999 12 500") }
            try Self.write("E07500", header: Data(text.utf8), mat: try Self.mat(), in: data)
            let record = try ECGRecord.load(headerAt: data.appendingPathComponent("E07500.hea"))
            #expect(record.id == "E07500")
            #expect(record.loadWarnings.contains(.recordNameMismatch(file: data.appendingPathComponent("E07500.hea"),
                                                                     recordLine: "E99999", fileName: "E07500")))
            let output = directory.appendingPathComponent("d.nc")
            let summary = try Self.prepare(data, to: output)
            #expect(summary.warnings.count == 1 && summary.warnings[0].description.contains("names record \"E99999\""),
                    "\(summary.warnings)")
            let file = try NetCDFFile.open(at: output)
            #expect(try file.root.attributes.integer(named: "record_name_mismatch_count") == 1)
            try file.close()
            #expect(try ECGDataset(contentsOf: output).records.map(\.id) == ["E07500"])
        }
    }

    /// Item 7: a data directory given through a symbolic link, a symbolic link to a folder inside it (read once), a
    /// link loop (no hang), a link to a folder outside it (named, not followed unless allowed), and upper-case
    /// `.HEA`/`.MAT`/`.DAT` names are all handled.
    @Test func symbolicLinksAndUpperCaseNamesAreAccepted() throws {
        try inTemporaryDirectory { directory in
            let real = directory.appendingPathComponent("real")
            let mat = try Self.mat()
            try Self.write("A1", header: Data(try Self.header("A1").utf8), mat: mat, in: real.appendingPathComponent("a"))
            // Upper-case file names; the header names the lower-case ones.
            let upper = real.appendingPathComponent("upper")
            try FileManager.default.createDirectory(at: upper, withIntermediateDirectories: true)
            try Data(try Self.header("U1").utf8).write(to: upper.appendingPathComponent("U1.HEA"))
            try mat.write(to: upper.appendingPathComponent("U1.MAT"))
            let fmt16 = try String(contentsOf: RecordsTestSupport.wfdb("E07500_fmt16.hea"), encoding: .utf8)
            try Data(fmt16.replacingOccurrences(of: "E07500_fmt16", with: "U2").utf8)
                .write(to: upper.appendingPathComponent("U2.HEA"))
            try FileManager.default.copyItem(at: RecordsTestSupport.wfdb("E07500_fmt16.dat"),
                                             to: upper.appendingPathComponent("U2.DAT"))
            let fm = FileManager.default
            try fm.createSymbolicLink(at: real.appendingPathComponent("b"), withDestinationURL: real.appendingPathComponent("a"))
            try fm.createSymbolicLink(at: real.appendingPathComponent("a/loop"), withDestinationURL: real)
            let outside = directory.appendingPathComponent("outside")
            try Self.write("O1", header: Data(try Self.header("O1").utf8), mat: mat, in: outside)
            try fm.createSymbolicLink(at: real.appendingPathComponent("z-out"), withDestinationURL: outside)
            let link = directory.appendingPathComponent("data")
            try fm.createSymbolicLink(at: link, withDestinationURL: real)

            let summary = try Self.prepare(link, to: directory.appendingPathComponent("d.nc"))
            #expect(summary.recordsRead == 3 && summary.recordsKept == 3 && summary.skips.isEmpty, "\(summary.skips)")
            let ids = try ECGDataset(contentsOf: directory.appendingPathComponent("d.nc")).records.map(\.id)
            #expect(Set(ids) == ["A1", "U1", "U2"], "\(ids)")
            #expect(summary.notices.contains { $0.contains("/z-out is a symbolic link leading out of the data directory") },
                    "\(summary.notices)")
            #expect(summary.notices.contains { $0.contains("a second path to a folder already read") }, "\(summary.notices)")

            let allowed = try Self.prepare(link, to: directory.appendingPathComponent("e.nc"), followsSymlinksOutside: true)
            #expect(allowed.recordsKept == 4, "\(allowed.skips) \(allowed.notices)")
        }
    }

    /// No hang: a FIFO where a signal file or a header should be is refused (reading one would wait for a writer
    /// forever).
    @Test func fifosAreRefusedNotWaitedOn() throws {
        try inTemporaryDirectory { directory in
            try Self.write("PIPE", header: Data(try Self.header("PIPE").utf8), mat: nil, in: directory)
            #expect(mkfifo(directory.appendingPathComponent("PIPE.mat").path, 0o644) == 0)
            #expect(mkfifo(directory.appendingPathComponent("HEAD.hea").path, 0o644) == 0)
            for name in ["PIPE.hea", "HEAD.hea"] {
                #expect {
                    _ = try ECGRecord.load(headerAt: directory.appendingPathComponent(name))
                } throws: { "\($0)".contains("it is not a regular file") }
            }
        }
    }

    /// Item 7: an output file saved with a UTF-8 byte order mark (as spreadsheet programs save CSV) is read.
    @Test func outputFileWithAByteOrderMarkIsRead() throws {
        let text = "\u{FEFF}#E07500\n164889003,426783006\n0,1\n0.1,0.9\n"
        let output = try ChallengeOutputReader.parse(text, file: "E07500.csv")
        #expect(output.recordID == "E07500")
        #expect(output.classCodes == ["164889003", "426783006"] && output.probabilities == [0.1, 0.9])
    }

    /// Item 8: a gain of 1e-300 is reported as an unusable gain, not as NaN samples (missing data).
    @Test func absurdGainIsNamedAsSuch() throws {
        try inTemporaryDirectory { directory in
            let text = try Self.header("GAIN") { $0.replacingOccurrences(of: "1000.0(0)/mV 16 0 -58", with: "1e-300(0)/mV 16 0 -58") }
            try Self.write("GAIN", header: Data(text.utf8), mat: try Self.mat(), in: directory)
            do {
                _ = try ECGRecord.load(headerAt: directory.appendingPathComponent("GAIN.hea"))
                Issue.record("a gain of 1e-300 was accepted")
            } catch {
                let message = "\(error)"
                #expect(message.contains("signal \"II\" has gain 1e-300") && message.contains("the gain is unusable"),
                        "\(message)")
                #expect(!message.contains("NaN"), "\(message)")
            }
            let output = directory.deletingLastPathComponent().appendingPathComponent("gain-\(UUID().uuidString).nc")
            defer { try? FileManager.default.removeItem(at: output) }
            #expect {
                _ = try Self.prepare(directory, to: output)
            } throws: { error in
                guard case let .noUsableRecords(_, skips) = error as? ECGDatasetPreparationError else { return false }
                return skips.map(\.reason) == [.unusableSignal] && skips[0].message.contains("the gain is unusable")
            }
        }
    }
}
