import ECGNets
import Foundation
import Testing

/// `dist-train prepare` end to end: simulated and WFDB sources, the summary it prints, and bad flags.
@Suite struct PrepareCommandTests {
    /// The real Challenge records of the ECGNets fixtures (see their SOURCE.md).
    static let wfdbFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ECGNetsTests/Fixtures/wfdb")

    /// Copies the three fixture records into `directory/ok`, plus `bad/TRUNC` (E07500 with a truncated .mat) and
    /// `bad/NOMAT` (E07500's header without its .mat).
    static func makeRecords(in directory: URL) throws {
        let ok = directory.appendingPathComponent("ok"), bad = directory.appendingPathComponent("bad")
        for folder in [ok, bad] { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        for name in ["E07500", "E07501", "E07514"] {
            for ext in ["hea", "mat"] {
                try FileManager.default.copyItem(at: wfdbFixtures.appendingPathComponent("\(name).\(ext)"),
                                                 to: ok.appendingPathComponent("\(name).\(ext)"))
            }
        }
        let header = try String(contentsOf: wfdbFixtures.appendingPathComponent("E07500.hea"), encoding: .utf8)
        let mat = try Data(contentsOf: wfdbFixtures.appendingPathComponent("E07500.mat"))
        for name in ["TRUNC", "NOMAT"] {
            try Data(header.replacingOccurrences(of: "E07500", with: name).utf8)
                .write(to: bad.appendingPathComponent("\(name).hea"))
        }
        try mat.prefix(1000).write(to: bad.appendingPathComponent("TRUNC.mat"))
    }

    @Test func simulatedRecordsArePrepared() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out/sim.nc")
        let result = try CommandRunner.run(["prepare", "--simulated", "30", "--seed", "4", "--out", output.path,
                                            "--rate", "250", "--split-fractions", "0.6,0.2,0.2"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("30 of 30 records kept"), "\(result.output)")
        #expect(result.output.contains("no records skipped"))
        let dataset = try ECGDataset(contentsOf: output)
        #expect(dataset.records.count == 30 && dataset.samplingFrequency == 250)
        #expect(dataset.records.allSatisfy { $0.length == 2500 && $0.source == "simulator" })
        #expect(dataset.preparationOptions.contains("split=0.6/0.2/0.2"))
    }

    /// `prepare --simulated N --class-weights FILE` writes the records of the simulator with those weights: no AF
    /// with weight 0, labels as the library's weighted simulator draws them, the weights in the file's source.
    @Test func simulatedRecordsWithClassWeights() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = directory.appendingPathComponent("mix.txt")
        try "AF 0\nLBBB 4\n".write(to: weights, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("weighted.nc")
        let result = try CommandRunner.run(["prepare", "--simulated", "40", "--seed", "6", "--out", output.path,
                                            "--class-weights", weights.path])
        #expect(result.status == 0, "\(result.error)")
        let dataset = try ECGDataset(contentsOf: output)
        let simulator = try ECGSimulator(seed: 6, configuration: ECGSimulator.Configuration(
            classWeights: [.atrialFibrillation: 0, .leftBundleBranchBlock: 4]))
        #expect(dataset.records.map(\.dxCodes) == (0..<40).map { simulator.record(at: $0).dxCodes })
        #expect(!dataset.records.contains { $0.dxCodes.contains("164889003") }, "no AF with weight 0")
        let lbbb = dataset.records.filter { $0.dxCodes.contains("164909002") }.count
        let plainLBBB = (0..<40).filter { ECGSimulator(seed: 6).record(at: $0).dxCodes.contains("164909002") }.count
        #expect(lbbb > plainLBBB, "LBBB with weight 4: \(lbbb), without weights \(plainLBBB)")
        let unweighted = try CommandRunner.run(["prepare", "--data", directory.path, "--out", output.path,
                                                "--class-weights", weights.path])
        #expect(unweighted.status != 0 && unweighted.error.contains("use it with --simulated N"), "\(unweighted.error)")
    }

    @Test func wfdbDirectoryIsPreparedAndBadRecordsAreListed() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        try Self.makeRecords(in: records)
        let output = directory.appendingPathComponent("dataset.nc")
        let result = try CommandRunner.run(["prepare", "--data", records.path, "--out", output.path,
                                            "--band-pass", "0.5-40"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("3 of 5 records kept"), "\(result.output)")
        #expect(result.output.contains("2 records skipped: 1 truncated signal file, 1 missing signal file"),
                "\(result.output)")
        #expect(result.output.contains("skipped \(records.path)/bad/TRUNC.hea: truncated signal file"))
        #expect(result.output.contains("skipped \(records.path)/bad/NOMAT.hea: missing signal file"))
        let dataset = try ECGDataset(contentsOf: output)
        #expect(dataset.records.map(\.id) == ["E07500", "E07501", "E07514"])
        #expect(dataset.records.allSatisfy { $0.source == "ok" })
        #expect(dataset.preparationOptions.contains("bandpass=4:0.5:40.0"))
    }

    @Test(arguments: [
        (["prepare", "--out", "/tmp/unused.nc"], "give either --data DIR or --simulated N"),
        (["prepare", "--simulated", "5", "--out", "/tmp/unused.nc", "--split-fractions", "0.5,0.2"],
         "--split-fractions needs three numbers"),
        (["prepare", "--simulated", "5", "--out", "/tmp/unused.nc", "--split-fractions", "0.5,0.6,0.1"],
         "must be non-negative, sum to 1"),
        (["prepare", "--simulated", "5", "--out", "/tmp/unused.nc", "--band-pass", "40-0.5"],
         "0.5 Hz"),
        (["prepare", "--simulated", "0", "--out", "/tmp/unused.nc"], "--simulated must be at least 1"),
    ])
    func badFlagsAreExplained(arguments: [String], message: String) throws {
        let result = try CommandRunner.run(arguments)
        #expect(result.status != 0)
        #expect(result.error.contains(message), "stderr: \(result.error)")
    }

    @Test func aMissingDirectoryIsNamed() throws {
        let result = try CommandRunner.run(["prepare", "--data", "/nonexistent/records", "--out", "/tmp/unused.nc"])
        #expect(result.status != 0)
        #expect(result.error.contains("/nonexistent/records"), "stderr: \(result.error)")
    }
}
