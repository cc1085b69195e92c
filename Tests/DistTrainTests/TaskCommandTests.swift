import ECGNets
import Foundation
import Testing

/// The task flags of `synth` and `prepare`: a CinC 2017 style set (lead II, 300 Hz, REFERENCE.csv) prepared as a
/// single-label task, lead sets by name, and real 2021 records with a zeroed lead kept and counted.
@Suite struct TaskCommandTests {
    static let zeroedLeadFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ECGNetsTests/Fixtures/cinc2021-zeroed-lead")

    /// Six real 2021 records (the wfdb fixtures' E07500, E07501, E07514 and E07502-E07504) in `directory`, with
    /// lead V2 of E07501 and lead I of E07503 set to zero in their `.mat` files; returns the record ids.
    static func makeZeroedLeadRecords(in directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let sources = [(PrepareCommandTests.wfdbFixtures, ["E07500", "E07501", "E07514"]),
                       (zeroedLeadFixtures, ["E07502", "E07503", "E07504"])]
        for (folder, names) in sources {
            for name in names {
                for ext in ["hea", "mat"] {
                    try FileManager.default.copyItem(at: folder.appendingPathComponent("\(name).\(ext)"),
                                                     to: directory.appendingPathComponent("\(name).\(ext)"))
                }
            }
        }
        for (name, lead) in [("E07501", 7), ("E07503", 0)] {
            let url = directory.appendingPathComponent("\(name).mat")
            var mat = try Data(contentsOf: url)
            let samples = (mat.count - 24) / 24
            for sample in 0..<samples {
                mat[24 + 2 * (sample * 12 + lead)] = 0
                mat[24 + 2 * (sample * 12 + lead) + 1] = 0
            }
            try mat.write(to: url)
        }
        return ["E07500", "E07501", "E07502", "E07503", "E07504", "E07514"]
    }

    @Test func synthWritesACinC2017SetThatPreparesAsASingleLabelTask() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("cinc2017")
        let synth = try CommandRunner.run(["synth", "--style", "cinc2017", "--out", records.path, "--records", "30", "--seed", "2"])
        try #require(synth.status == 0, "\(synth.error)")
        #expect(synth.output.contains("wrote 30 single-lead records (II, 300 Hz) and REFERENCE.csv"), "\(synth.output)")
        let reference = try String(contentsOf: records.appendingPathComponent("REFERENCE.csv"), encoding: .utf8)
        let lines = reference.split(separator: "\n")
        #expect(lines.count == 30 && lines[0].hasPrefix("A00001,"))
        let record = try ECGRecord.load(headerAt: records.appendingPathComponent("A00001.hea"))
        #expect(record.leadNames == ["II"] && record.samplingFrequency == 300 && record.diagnosisCodes.isEmpty)
        #expect(record.signals[0] == CinC2017Simulator(seed: 2).record(at: 0).leadII.map { ($0 * 1000).rounded() / 1000 })

        let output = directory.appendingPathComponent("cinc2017.nc")
        let prepared = try CommandRunner.run(["prepare", "--data", records.path, "--out", output.path, "--rate", "300",
                                              "--leads", "II"])
        try #require(prepared.status == 0, "\(prepared.error)")
        #expect(prepared.output.contains("task single-label, 4 classes (N, A, O, ~), leads II, 300 Hz; labels from the labels of 30 records in \(records.path)/REFERENCE.csv"),
                "\(prepared.output)")
        #expect(prepared.output.contains("30 of 30 records kept"))
        let dataset = try ECGDataset(contentsOf: output)
        #expect(dataset.task.labelKind == .singleLabel && dataset.leadNames == ["II"] && dataset.samplingFrequency == 300)
        for (line, entry) in zip(lines, dataset.records) {
            let label = String(line.split(separator: ",")[1])
            #expect(line.hasPrefix(entry.id + ",") && dataset.classCodes[entry.labels.firstIndex(of: 1)!] == label)
        }
    }

    /// Must-hold 5, preparation: records with a zeroed lead are kept, the count and the leads are reported, and
    /// `--drop-flat-leads` gives the old rule.
    @Test func realRecordsWithAZeroedLeadAreKeptAndCounted() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        let ids = try Self.makeZeroedLeadRecords(in: records)
        let output = directory.appendingPathComponent("kept.nc")
        let kept = try CommandRunner.run(["prepare", "--data", records.path, "--out", output.path])
        try #require(kept.status == 0, "\(kept.error)")
        #expect(kept.output.contains("6 of 6 records kept"), "\(kept.output)")
        #expect(kept.output.contains("2 records kept with a flat, NaN or missing lead stored as zeros and masked"), "\(kept.output)")
        #expect(kept.output.contains("E07501: lead V2 masked") && kept.output.contains("E07503: lead I masked"), "\(kept.output)")
        let dataset = try ECGDataset(contentsOf: output)
        #expect(dataset.records.map(\.id) == ids)
        #expect(dataset.records.filter { !$0.hasAllLeads }.map(\.id) == ["E07501", "E07503"])

        let dropped = try CommandRunner.run(["prepare", "--data", records.path, "--out", directory.appendingPathComponent("dropped.nc").path,
                                             "--drop-flat-leads"])
        try #require(dropped.status == 0, "\(dropped.error)")
        #expect(dropped.output.contains("4 of 6 records kept"), "\(dropped.output)")
        #expect(dropped.output.contains("2 records skipped: 2 flat lead"), "\(dropped.output)")
    }

    @Test func badTaskFlagsAreExplained() throws {
        let leads = try CommandRunner.run(["prepare", "--simulated", "2", "--out", "/tmp/unused.nc", "--leads", "II,V9"])
        #expect(leads.status != 0 && leads.error.contains("--leads: 'V9' in 'II,V9' is not a lead name"), "\(leads.error)")
        let both = try CommandRunner.run(["prepare", "--simulated", "2", "--out", "/tmp/unused.nc", "--classes", "2021",
                                          "--reference", "/tmp/REFERENCE.csv"])
        #expect(both.status != 0 && both.error.contains("not both"), "\(both.error)")
        let missing = try CommandRunner.run(["prepare", "--simulated", "2", "--out", "/tmp/unused.nc", "--reference",
                                             "/nonexistent/REFERENCE.csv"])
        #expect(missing.status != 0 && missing.error.contains("/nonexistent/REFERENCE.csv: cannot be read"), "\(missing.error)")
    }
}
