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

    /// Must-hold 2: the single-lead, 4-class CinC 2017 style task trains end to end under `mpirun -n 2` from a
    /// synthesised record directory with balanced class weights; the checkpoint records the task, the weights and
    /// the selecting metric, and the report shows the confusion matrix and the CinC 2017 score.
    @Test func singleLabelSingleLeadTaskTrainsUnderTwoRanks() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let synth = try CommandRunner.run(["synth", "--style", "cinc2017", "--out", "records", "--records", "120", "--seed", "4"],
                                          in: directory)
        try #require(synth.status == 0, "\(synth.error)")
        let trained = try CommandRunner.run(["train", "--data", "records", "--cache-dir", "cache", "--rate", "300", "--leads", "II",
                                             "--class-weights", "balanced", "--widths", "8,16,16,32", "--length", "3000",
                                             "--batch-size", "16", "--epochs", "2", "--threads", "1", "--progress", "lines",
                                             "--checkpoint-dir", "checkpoints", "--log-dir", "logs"], ranks: 2, in: directory)
        try #require(trained.status == 0, "\(trained.error)")
        #expect(trained.output.contains("selects by CinC 2017 score"), "\(trained.output)")
        #expect(trained.output.contains("confusion matrix (rows: true class, columns: predicted class)"), "\(trained.output)")
        #expect(trained.output.contains("CinC 2017 score (mean F1 of N, A, O)"), "\(trained.output)")
        let report = directory.appendingPathComponent("checkpoints/report")
        for name in ["test.txt", "test.json", "test-confusion.svg", "learning-curves.svg", "history.json"] {
            #expect(FileManager.default.fileExists(atPath: report.appendingPathComponent(name).path), "\(name)")
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report.appendingPathComponent("test.json")))
            as? [String: Any])
        let confusion = try #require(json["confusion"] as? [Int])
        let support = try #require(json["support"] as? [Int])
        #expect(confusion.count == 16 && confusion.reduce(0, +) == support.reduce(0, +) && support.reduce(0, +) > 0)

        let checkpoint = try CheckpointReader(url: directory.appendingPathComponent("checkpoints/best.nc"))
        let metadata = checkpoint.metadata
        #expect(metadata.task == ECGTask(labelKind: .singleLabel, classes: ECGTask.cinc2017Classes, leads: ["II"],
                                         samplingFrequency: 300))
        #expect(metadata.selectionMetric == "cinc2017")
        #expect(metadata.configuration.leads == 1 && metadata.configuration.classes == 4)
        // The weights are scikit-learn's balanced ones of the training split: n / (classes present x count).
        let cached = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("cache").path)
            .filter { $0.hasSuffix(".nc") }
        let dataset = try ECGDataset(contentsOf: directory.appendingPathComponent("cache/\(try #require(cached.first))"))
        let train = dataset.indices(in: .train).map { dataset.records[$0].labels }
        let counts = (0..<4).map { c in train.filter { $0[c] == 1 }.count }
        let present = Double(counts.filter { $0 > 0 }.count)
        let expected = counts.map { $0 > 0 ? Double(Float(Double(train.count) / (present * Double($0)))) : 1 }
        #expect(metadata.classWeights == expected, "\(String(describing: metadata.classWeights)) vs \(expected)")
    }

    /// Weighted softmax cross-entropy divides by the whole global batch's weight on every rank, so 2 ranks follow
    /// one process (sync BN, SGD, no dropout, as DataParallelTests): losses and parameters within 1e-5.
    @Test func weightedCrossEntropyAgreesAcrossRanks() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let synth = try CommandRunner.run(["synth", "--style", "cinc2017", "--out", "records", "--records", "100", "--seed", "6"],
                                          in: directory)
        try #require(synth.status == 0)
        let prepared = try CommandRunner.run(["prepare", "--data", "records", "--out", "c17.nc", "--rate", "300", "--leads", "II"],
                                             in: directory)
        try #require(prepared.status == 0, "\(prepared.error)")
        var runs: [(losses: [Double], parameters: [Float])] = []
        for (name, ranks) in [("one", nil), ("two", 2)] as [(String, Int?)] {
            // DataParallelTests' network: a deeper one (resnet34, 1000 samples) amplifies rounding past 1e-5 within
            // 10 steps for either loss (measured: BCE on simulated records drifts as much as this task does).
            let result = try CommandRunner.run(["train", "--data", "c17.nc", "--class-weights", "balanced", "--model", "resnet18",
                                                "--widths", "8,16,32,64", "--length", "256", "--batch-size", "16",
                                                "--max-steps", "10", "--sync-bn",
                                                "--dropout", "0", "--optimizer", "sgd", "--lr", "0.005", "--threads", "1",
                                                "--progress", "lines", "--log-dir", name, "--parameters-out", "\(name).bin",
                                                "--checkpoint-dir", "\(name)-checkpoints"], ranks: ranks, in: directory)
            try #require(result.status == 0, "\(name): \(result.error)")
            let log = try String(contentsOf: directory.appendingPathComponent("\(name)/rank-0.jsonl"), encoding: .utf8)
            let losses = log.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["loss"] as? Double
            }
            let data = try Data(contentsOf: directory.appendingPathComponent("\(name).bin"))
            runs.append((losses, data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }))
        }
        #expect(runs[0].losses.count == 10 && runs[1].losses.count == 10)
        for (a, b) in zip(runs[0].losses, runs[1].losses) { #expect(abs(a - b) <= 1e-5 * abs(a), "\(runs[0].losses) vs \(runs[1].losses)") }
        let floor = 1e-5 * (runs[0].parameters.map(abs).max() ?? 0)
        let outside = zip(runs[0].parameters, runs[1].parameters).filter { abs($0 - $1) > max(1e-5 * abs($0), floor) }
        #expect(!runs[0].parameters.isEmpty && outside.isEmpty, "\(outside.count) parameters differ, e.g. \(outside.prefix(3))")
    }

    /// A small network trained for 3 steps on `data` (a prepared dataset) into `directory/checkpoints-<name>`.
    static func checkpoint(_ name: String, data: String, in directory: URL) throws -> URL {
        let trained = try CommandRunner.run(["train", "--data", data, "--widths", "8,16,16,32", "--length", "1000",
                                             "--batch-size", "8", "--max-steps", "3", "--threads", "1", "--progress", "lines",
                                             "--checkpoint-dir", "checkpoints-\(name)", "--log-dir", "logs-\(name)"], in: directory)
        try #require(trained.status == 0, "train \(name) failed: \(trained.error)")
        return directory.appendingPathComponent("checkpoints-\(name)/step-000003.nc")
    }

    /// Must-hold 4: networks trained on lead II and on the six limb leads evaluate and predict on 12-lead records
    /// (a prepared 12-lead dataset and a record directory), picking their leads by name; records without one of
    /// the network's leads are refused naming the record and the lead.
    @Test func leadSubsetNetworksEvaluateOnTwelveLeadRecords() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, leads) in [("ii", "II"), ("six", "6")] {
            let prepared = try CommandRunner.run(["prepare", "--simulated", "60", "--seed", "3", "--leads", leads,
                                                  "--out", "\(name).nc"], in: directory)
            try #require(prepared.status == 0, "\(prepared.error)")
        }
        let twelve = try CommandRunner.run(["prepare", "--simulated", "12", "--seed", "8", "--out", "twelve.nc"], in: directory)
        try #require(twelve.status == 0, "\(twelve.error)")
        let synth = try CommandRunner.run(["synth", "--out", "records12", "--records", "5", "--seed", "8"], in: directory)
        try #require(synth.status == 0)
        let synth2017 = try CommandRunner.run(["synth", "--style", "cinc2017", "--out", "lead-ii-only", "--records", "3"], in: directory)
        try #require(synth2017.status == 0)
        for (name, leads) in [("ii", ["II"]), ("six", ["I", "II", "III", "aVR", "aVL", "aVF"])] {
            let checkpoint = try Self.checkpoint(name, data: "\(name).nc", in: directory)
            #expect(try CheckpointReader(url: checkpoint).metadata.task.leads == leads)
            let evaluated = try CommandRunner.run(["evaluate", "--checkpoint", checkpoint.path, "--data", "twelve.nc",
                                                   "--split", "all", "--out", "evaluation-\(name)", "--threads", "1"],
                                                  ranks: 2, in: directory)
            #expect(evaluated.status == 0, "\(name): \(evaluated.error)")
            #expect(evaluated.output.contains("Evaluation of 12 records"), "\(evaluated.output)")
            let predicted = try CommandRunner.run(["predict", "--checkpoint", checkpoint.path, "--data", "records12",
                                                   "--cache-dir", "cache", "--out", "outputs-\(name)", "--threads", "1"],
                                                  in: directory)
            #expect(predicted.status == 0, "\(name): \(predicted.error)")
            #expect(predicted.output.contains("wrote 5 output files"), "\(predicted.output)")
        }
        // The six-lead network on records that have lead II only: an error naming the record and the lead.
        let refused = try CommandRunner.run(["predict", "--checkpoint", directory.appendingPathComponent("checkpoints-six/step-000003.nc").path,
                                             "--data", "lead-ii-only", "--cache-dir", "cache", "--out", "refused"], in: directory)
        #expect(refused.status != 0)
        #expect(refused.error.contains("record A00001 has no lead I (its leads are II)"), "\(refused.error)")
    }

    /// Must-hold 5: on real 2021 records with a zeroed lead, predict writes one output per record and score scores
    /// the directory; a record that cannot be read is an error naming it, or with --skip-unreadable is listed.
    @Test func everyRealRecordWithAZeroedLeadGetsAnOutputThatScores() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        let ids = try Self.makeZeroedLeadRecords(in: records)
        let checkpoint = try Self.checkpoint("twelve", data: TestDatasets.simulated400, in: directory)
        let predicted = try CommandRunner.run(["predict", "--checkpoint", checkpoint.path, "--data", records.path,
                                               "--cache-dir", "cache", "--out", "outputs", "--threads", "1"], ranks: 2,
                                              in: directory)
        try #require(predicted.status == 0, "\(predicted.error)")
        #expect(predicted.output.contains("2 records kept with a flat, NaN or missing lead"), "\(predicted.output)")
        #expect(predicted.output.contains("wrote 6 output files"), "\(predicted.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("outputs").path).sorted()
        #expect(files == ids.map { $0 + ".csv" })
        let scored = try CommandRunner.run(["score", "--labels", records.path, "--outputs", "outputs"], in: directory)
        #expect(scored.status == 0, "\(scored.error)")
        #expect(scored.output.contains("Challenge metric"), "\(scored.output)")

        // A truncated record: an error naming it, unless skipping is asked for, then it is listed.
        let mat = try Data(contentsOf: records.appendingPathComponent("E07504.mat"))
        try mat.prefix(1000).write(to: records.appendingPathComponent("E07504.mat"))
        let refused = try CommandRunner.run(["predict", "--checkpoint", checkpoint.path, "--data", records.path,
                                             "--cache-dir", "cache", "--out", "outputs2"], in: directory)
        #expect(refused.status != 0)
        #expect(refused.error.contains("E07504.hea (truncated signal file") && refused.error.contains("--skip-unreadable"),
                "\(refused.error)")
        let skipped = try CommandRunner.run(["predict", "--checkpoint", checkpoint.path, "--data", records.path,
                                             "--cache-dir", "cache", "--out", "outputs3", "--skip-unreadable"], in: directory)
        #expect(skipped.status == 0, "\(skipped.error)")
        #expect(skipped.output.contains("wrote 5 output files"), "\(skipped.output)")
        #expect(skipped.output.contains("1 record(s) could not be read and have no output file"), "\(skipped.output)")
        #expect(skipped.output.contains("E07504.hea (truncated signal file)"), "\(skipped.output)")
    }

    /// Issue 11: a SNOMED-CT class list of one's own (five simulator findings) trains from the command line, selected
    /// by macro AUROC, into a best.nc and a report without the Challenge metric; evaluate scores it the same way and
    /// predict writes Challenge-format files of its classes.
    @Test func aClassListOfOnesOwnTrainsEvaluatesAndPredicts() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let codes = ["426783006", "427084000", "426177001", "164889003", "39732003"]
        try (codes.joined(separator: "\n") + "\n").write(to: directory.appendingPathComponent("classes.txt"), atomically: true,
                                                         encoding: .utf8)
        let prepared = try CommandRunner.run(["prepare", "--simulated", "100", "--seed", "3", "--classes", "classes.txt",
                                              "--out", "own.nc"], in: directory)
        try #require(prepared.status == 0, "\(prepared.error)")
        let trained = try CommandRunner.run(["train", "--data", "own.nc", "--widths", "8,16,16,32", "--length", "1000",
                                             "--batch-size", "16", "--epochs", "2", "--threads", "1", "--progress", "lines",
                                             "--checkpoint-dir", "checkpoints", "--log-dir", "logs"], in: directory)
        try #require(trained.status == 0, "\(trained.error)")
        #expect(trained.output.contains("(no Challenge metric: the classes are not a Challenge class list, whose weights it needs); selects by macro AUROC"),
                "\(trained.output)")
        let best = directory.appendingPathComponent("checkpoints/best.nc")
        let metadata = try CheckpointReader(url: best).metadata
        #expect(metadata.classCodes == codes && metadata.selectionMetric == "macro-auroc")
        let report = try String(contentsOf: directory.appendingPathComponent("checkpoints/report/test.txt"), encoding: .utf8)
        #expect(report.contains("scoring classes (no Challenge metric") && !report.contains("Challenge metric 0"), "\(report)")
        let inspected = try CommandRunner.run(["inspect", best.path])
        #expect(inspected.output.contains("best.nc chosen by macro-auroc"), "\(inspected.output)")

        let evaluated = try CommandRunner.run(["evaluate", "--checkpoint", best.path, "--data", "own.nc", "--split", "all",
                                               "--out", "evaluation", "--threads", "1"], ranks: 2, in: directory)
        try #require(evaluated.status == 0, "\(evaluated.error)")
        #expect(evaluated.output.contains("Evaluation of 100 records over 5 scoring classes (no Challenge metric"), "\(evaluated.output)")
        let synth = try CommandRunner.run(["synth", "--out", "records", "--records", "4", "--seed", "8"], in: directory)
        try #require(synth.status == 0)
        let predicted = try CommandRunner.run(["predict", "--checkpoint", best.path, "--data", "records", "--cache-dir", "cache",
                                               "--out", "outputs", "--threads", "1"], in: directory)
        try #require(predicted.status == 0, "\(predicted.error)")
        #expect(predicted.output.contains("wrote 4 output files"), "\(predicted.output)")
        let output = try String(contentsOf: directory.appendingPathComponent("outputs/SIM00001.csv"), encoding: .utf8)
        #expect(output.split(separator: "\n").dropFirst().first.map(String.init) == codes.joined(separator: ","), "\(output)")
    }

    /// Records shaped as the real CinC 2017 training set's (training2017/A00001.hea is `A00001 1 300 9000 05:05:15
    /// 1/05/2000` and `A00001.mat 16+24 1000/mV 16 0 -127 0 0 ECG`: format 16 at byte 24 of a MAT v4 file, gain
    /// 1000/mV without a baseline, checksum field 0, the lead named ECG, no comment lines), made from
    /// `synth --style cinc2017`: its .mat files and REFERENCE.csv, each header rewritten in that shape.
    static func makeCinC2017ShapedRecords(_ count: Int, seed: Int, in directory: URL) throws -> URL {
        let records = directory.appendingPathComponent("training2017")
        let synth = try CommandRunner.run(["synth", "--style", "cinc2017", "--out", records.path, "--records", "\(count)",
                                           "--seed", "\(seed)"])
        try #require(synth.status == 0, "\(synth.error)")
        for index in 1...count {
            let id = String(format: "A%05d", index)
            let url = records.appendingPathComponent(id + ".hea")
            let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
            let record = lines[0].split(separator: " "), signal = lines[1].split(separator: " ")
            // synth: `A00001 1 300 N` and `A00001.mat 16x1+24 1000.0(0)/mV 16 0 <initial> <checksum> 0 II`.
            try #require(record.count == 4 && signal.count == 9 && signal[8] == "II" && signal[2] == "1000.0(0)/mV", "\(lines)")
            let header = "\(id) 1 300 \(record[3]) 05:05:15 1/05/2000\n\(id).mat 16+24 1000/mV 16 0 \(signal[5]) 0 0 ECG\n"
            try header.write(to: url, atomically: true, encoding: .utf8)
        }
        return records
    }

    /// Issue 11: records named as real CinC 2017 ones (one lead called ECG) prepare as the lead of a one-lead set
    /// (`--leads II`), train, evaluate and predict; a larger lead set names the rule. `score` scores predict's
    /// single-label outputs against REFERENCE.csv with exactly evaluate's numbers on the same records.
    @Test func cinc2017RecordsWithTheirECGLeadTrainEvaluatePredictAndScore() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = try Self.makeCinC2017ShapedRecords(40, seed: 5, in: directory)
        let prepared = try CommandRunner.run(["prepare", "--data", records.path, "--out", "c17.nc", "--rate", "300", "--leads", "II"],
                                             in: directory)
        try #require(prepared.status == 0, "\(prepared.error)")
        #expect(prepared.output.contains("40 of 40 records kept"), "\(prepared.output)")
        let dataset = try ECGDataset(contentsOf: directory.appendingPathComponent("c17.nc"))
        #expect(dataset.leadNames == ["II"] && dataset.task.labelKind == .singleLabel && dataset.records.allSatisfy(\.hasAllLeads))
        // The lead values are the synthesised lead II's (the same .mat files, read through the rewritten headers).
        let original = CinC2017Simulator(seed: 5).record(at: 0).leadII
        let stored = try dataset.signal(of: try #require(dataset.records.firstIndex { $0.id == "A00001" }))
        #expect(stored.count == original.count && zip(stored, original).allSatisfy { abs(Double($0) - Double($1)) <= 0.0015 })
        let twelve = try CommandRunner.run(["prepare", "--data", records.path, "--out", "twelve.nc", "--rate", "300"], in: directory)
        #expect(twelve.status != 0 && twelve.error.contains("A single lead named ECG (as in CinC 2017) is read as the lead of a "
            + "single-lead task: prepare with --leads II"), "\(twelve.output)\n\(twelve.error)")

        // Eight steps with balanced weights: a network that predicts several classes, so that score = evaluate means
        // something (three unweighted steps predict N for every record).
        let trained = try CommandRunner.run(["train", "--data", "c17.nc", "--widths", "8,16,16,32", "--length", "3000",
                                             "--batch-size", "8", "--max-steps", "8", "--lr", "0.003", "--class-weights",
                                             "balanced", "--threads", "1", "--progress", "lines",
                                             "--checkpoint-dir", "checkpoints", "--log-dir", "logs"], in: directory)
        try #require(trained.status == 0, "\(trained.error)")
        let best = directory.appendingPathComponent("checkpoints/best.nc").path
        let evaluated = try CommandRunner.run(["evaluate", "--checkpoint", best, "--data", records.path, "--cache-dir", "cache",
                                               "--split", "all", "--out", "evaluation", "--threads", "1"], ranks: 2, in: directory)
        try #require(evaluated.status == 0, "\(evaluated.error)")
        let predicted = try CommandRunner.run(["predict", "--checkpoint", best, "--data", records.path, "--cache-dir", "cache",
                                               "--out", "outputs", "--threads", "1"], ranks: 2, in: directory)
        try #require(predicted.status == 0, "\(predicted.error)")
        #expect(predicted.output.contains("wrote 40 output files"), "\(predicted.output)")
        let scored = try CommandRunner.run(["score", "--labels", records.path, "--outputs", "outputs", "--json", "score.json"],
                                           in: directory)
        try #require(scored.status == 0, "\(scored.error)")
        #expect(scored.output.contains("Scored 40 records against") && scored.output.contains("CinC 2017 score (mean F1 of N, A, O)")
                && scored.output.contains("confusion matrix"), "\(scored.output)")
        let fromEvaluate = try Data(contentsOf: directory.appendingPathComponent("evaluation/evaluation.json"))
        let fromScore = try Data(contentsOf: directory.appendingPathComponent("score.json"))
        let a = try #require(try JSONSerialization.jsonObject(with: fromEvaluate) as? NSDictionary)
        let b = try #require(try JSONSerialization.jsonObject(with: fromScore) as? NSDictionary)
        let confusion = try #require(a["confusion"] as? [Int])
        let predictedClasses = (0..<4).filter { column in (0..<4).contains { confusion[$0 * 4 + column] > 0 } }
        #expect(a == b && confusion.reduce(0, +) == 40 && predictedClasses.count >= 2, "evaluate \(a)\nscore \(b)")
        // The same numbers through --reference, and a missing output file is named.
        try FileManager.default.removeItem(at: directory.appendingPathComponent("outputs/A00007.csv"))
        let missing = try CommandRunner.run(["score", "--reference", records.appendingPathComponent("REFERENCE.csv").path,
                                             "--outputs", "outputs"], in: directory)
        #expect(missing.status != 0 && missing.error.contains("outputs/A00007.csv"), "\(missing.error)")
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
