import ECGNets
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `dist-train evaluate` and `dist-train predict` end to end on real Challenge records: predicted output files
/// scored by `dist-train score` give exactly the numbers evaluate reports, the report files parse, mismatched
/// inputs are refused with messages that name the files, and 1, 2 and 3 ranks give identical results.
@Suite(.serialized) struct EvaluateCommandTests {
    /// A tiny ResNet34-topology network trained for 3 steps: its predictions are arbitrary but fixed, which is
    /// all the comparisons need.
    static func makeCheckpoint(in directory: URL) throws -> URL {
        let result = try CommandRunner.run(["train", "--widths", "8,16,16,32", "--length", "400", "--batch-size", "8",
                                            "--max-steps", "3", "--threads", "1", "--progress", "lines", "--data", TestDatasets.simulated400,
                                            "--checkpoint-dir", "checkpoints", "--log-dir", "logs"], in: directory)
        try #require(result.status == 0, "train failed: \(result.error)")
        return directory.appendingPathComponent("checkpoints/step-000003.nc")
    }

    /// The five records of the wfdb fixtures (E07500 in three storage formats, E07501, E07514) copied into
    /// `directory` as they are (their headers carry the 2021 form `# Dx:`).
    static func makeRecords(in directory: URL) throws -> [String] {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let fixtures = PrepareCommandTests.wfdbFixtures
        let names = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0 != "SOURCE.md" }
        for name in names {
            try FileManager.default.copyItem(at: fixtures.appendingPathComponent(name), to: directory.appendingPathComponent(name))
        }
        return names.filter { $0.hasSuffix(".hea") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// A JSON value re-serialised with sorted keys, so two documents compare by content.
    static func canonicalJSON(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]),
               as: UTF8.self)
    }

    static func jsonObject(at url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any], "\(url.path)")
    }

    /// Must-hold: predict on 2 ranks, then score the output files against the record headers: every score equals
    /// what evaluate --split all reports for the same data (2020 and 2021 weights), and every record has exactly
    /// one output file, named and headed by its id.
    @Test func predictedFilesScoreAsEvaluateReports() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Self.makeCheckpoint(in: directory)
        let records = directory.appendingPathComponent("records")
        let ids = try Self.makeRecords(in: records)
        let cache = directory.appendingPathComponent("cache").path
        let outputs = directory.appendingPathComponent("outputs")
        let predicted = try CommandRunner.run(["predict", "--checkpoint", checkpoint.path, "--data", records.path,
                                               "--cache-dir", cache, "--out", outputs.path, "--threads", "1",
                                               "--batch-size", "2"], ranks: 2)
        try #require(predicted.status == 0, "\(predicted.error)")
        #expect(predicted.output.contains("data: preparing \(records.path)"), "\(predicted.output)")
        #expect(predicted.output.contains("predict: wrote 5 output files (<record id>.csv) into \(outputs.path)"),
                "\(predicted.output)")
        let files = try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
        #expect(files == ids.map { $0 + ".csv" }, "\(files)")
        for id in ids {
            let text = try String(contentsOf: outputs.appendingPathComponent(id + ".csv"), encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.count == 4 && lines[0] == "#\(id)", "\(id): \(text)")
            #expect(lines.count == 4 && lines[1] == ChallengeClasses.challenge2020.codes.joined(separator: ","))
        }

        for weights in ["2020", "2021"] {
            let scoreJSON = directory.appendingPathComponent("score-\(weights).json")
            // The 2020 network has no column for the classes only 2021 scores: strict score refuses, --lenient
            // scores them as negative (as evaluate does) and says so.
            if weights == "2021" {
                let strict = try CommandRunner.run(["score", "--labels", records.path, "--outputs", outputs.path,
                                                    "--weights", weights])
                #expect(strict.status != 0 && strict.error.contains("has no column for the scored class(es)"), "\(strict.error)")
            }
            let scored = try CommandRunner.run(["score", "--labels", records.path, "--outputs", outputs.path,
                                                "--weights", weights, "--json", scoreJSON.path]
                                               + (weights == "2021" ? ["--lenient"] : []))
            try #require(scored.status == 0, "\(scored.error)")
            #expect(scored.output.contains("Scored 5 records"), "\(scored.output)")
            let report = directory.appendingPathComponent("evaluation-\(weights)")
            let evaluated = try CommandRunner.run(["evaluate", "--checkpoint", checkpoint.path, "--data", records.path,
                                                   "--cache-dir", cache, "--split", "all", "--weights", weights,
                                                   "--out", report.path, "--threads", "1"], ranks: 2)
            try #require(evaluated.status == 0, "\(evaluated.error)")
            #expect(!evaluated.output.contains("data: preparing"), "the prepared records were not reused")
            let evaluation = try Self.jsonObject(at: report.appendingPathComponent("evaluation.json"))
            let scores = try #require(evaluation["scores"])
            #expect(try Self.canonicalJSON(scores) == Self.canonicalJSON(try Self.jsonObject(at: scoreJSON)),
                    "\(weights) weights")
            #expect(evaluation["record_count"] as? Int == 5 && evaluation["weights_year"] as? Int == Int(weights))
        }
    }

    /// The report files: JSON with the macro numbers, CSV with one row per scoring class and a macro row, text with
    /// the table, an SVG that parses as XML with a label per class; by default beside the checkpoint.
    @Test func evaluateWritesParsableReportFiles() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Self.makeCheckpoint(in: directory)
        let records = directory.appendingPathComponent("records")
        _ = try Self.makeRecords(in: records)
        let result = try CommandRunner.run(["evaluate", "--checkpoint", checkpoint.path, "--data", records.path,
                                            "--cache-dir", directory.appendingPathComponent("cache").path,
                                            "--split", "all", "--threads", "1"], ranks: 2)
        try #require(result.status == 0, "\(result.error)")
        let report = checkpoint.deletingLastPathComponent().appendingPathComponent("evaluation-all")
        #expect(result.output.contains("into \(report.path)"), "\(result.output)")
        #expect(result.output.contains("Evaluation of 5 records over 24 scoring classes"), "\(result.output)")
        #expect(result.output.contains("Challenge metric"), "\(result.output)")

        let json = try Self.jsonObject(at: report.appendingPathComponent("evaluation.json"))
        let scores = try #require(json["scores"] as? [String: Any])
        for key in ["challenge_metric", "auroc", "auprc", "f_measure", "f_beta_measure", "g_beta_measure", "accuracy"] {
            #expect(scores[key] is Double || scores[key] is Int, "\(key) in \(scores.keys)")
        }
        #expect((json["classes"] as? [Any])?.count == 24)

        // The 2020 metric merges three pairs of equivalent codes: 27 output columns, 24 scoring classes.
        let csv = try String(contentsOf: report.appendingPathComponent("evaluation.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n")
        #expect(rows.count == 1 + ScoringClasses.challenge2020.count + 1, "\(rows.count) lines")
        #expect(rows.first?.hasPrefix("code,abbreviation,name,positives") == true)
        #expect(rows.last?.hasPrefix("macro,") == true, "\(rows.last ?? "")")
        #expect(rows.contains { $0.hasPrefix("713427006|59118001,CRBBB|RBBB,") }, "merged classes are one row")

        let text = try String(contentsOf: report.appendingPathComponent("evaluation.txt"), encoding: .utf8)
        #expect(text.contains("Class") && text.contains("sinus bradycardia"))

        let svg = try Data(contentsOf: report.appendingPathComponent("evaluation-classes.svg"))
        let counter = ElementCounter()
        let parser = XMLParser(data: svg)
        parser.delegate = counter
        #expect(parser.parse(), "the SVG is not well-formed XML: \(String(describing: parser.parserError))")
        #expect(counter.rootName == "svg")
        #expect(counter.classLabels == 24, "\(counter.classLabels) class labels")
    }

    /// Counts the class labels of a bar chart while the SVG is parsed.
    final class ElementCounter: NSObject, XMLParserDelegate {
        var rootName: String?
        var classLabels = 0

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                    qualifiedName: String?, attributes: [String: String] = [:]) {
            if rootName == nil { rootName = elementName }
            if elementName == "text" && attributes["class"] == "class-label" { classLabels += 1 }
        }
    }

    /// A dataset at another rate, a file that is no checkpoint, and an empty split are refused, naming the files.
    @Test func mismatchedInputsAreRefused() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Self.makeCheckpoint(in: directory)
        let slow = directory.appendingPathComponent("sim250.nc")
        let prepared = try CommandRunner.run(["prepare", "--simulated", "20", "--rate", "250", "--out", slow.path])
        try #require(prepared.status == 0, "\(prepared.error)")
        let rate = try CommandRunner.run(["evaluate", "--checkpoint", checkpoint.path, "--data", slow.path,
                                          "--split", "all", "--threads", "1"], ranks: 2, timeout: 60)
        #expect(rate.status != 0 && rate.status != -1, "status \(rate.status)")
        #expect(rate.error.contains("checkpoint \(checkpoint.path) was trained on signals at 500.0 Hz, but dataset "
                                    + "\(slow.path) is sampled at 250.0 Hz"), "\(rate.error)")
        let predictRate = try CommandRunner.run(["predict", "--checkpoint", checkpoint.path, "--data", slow.path,
                                                 "--out", directory.appendingPathComponent("never").path])
        #expect(predictRate.status != 0 && predictRate.error.contains("is sampled at 250.0 Hz"), "\(predictRate.error)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("never").path))

        // Records filtered differently from the training data (a band-pass the training set did not have).
        let filtered = directory.appendingPathComponent("filtered.nc")
        let filteredPrepared = try CommandRunner.run(["prepare", "--simulated", "20", "--band-pass", "0.5-40", "--out", filtered.path])
        try #require(filteredPrepared.status == 0, "\(filteredPrepared.error)")
        let band = try CommandRunner.run(["evaluate", "--checkpoint", checkpoint.path, "--data", filtered.path, "--split", "all"])
        #expect(band.status != 0 && band.error.contains("was trained on records prepared with band-pass none, but "
                                                       + "\(filtered.path) was prepared with band-pass 4:0.5:40.0"), "\(band.error)")

        let text = directory.appendingPathComponent("notes.txt")
        try Data("not a checkpoint\n".utf8).write(to: text)
        let notNetCDF = try CommandRunner.run(["evaluate", "--checkpoint", text.path, "--data", slow.path])
        #expect(notNetCDF.status != 0)
        #expect(notNetCDF.error.contains("--checkpoint \(text.path) cannot be read as a checkpoint"), "\(notNetCDF.error)")
        let dataset = try CommandRunner.run(["evaluate", "--checkpoint", slow.path, "--data", slow.path])
        #expect(dataset.status != 0)
        #expect(dataset.error.contains("\(slow.path) is not a dist-train checkpoint"), "\(dataset.error)")
        let missing = try CommandRunner.run(["predict", "--checkpoint", "nowhere.nc", "--data", slow.path, "--out", "x"],
                                            in: directory)
        #expect(missing.status != 0 && missing.error.contains("--checkpoint nowhere.nc: no such file"), "\(missing.error)")

        let trainOnly = directory.appendingPathComponent("train-only.nc")
        let split = try CommandRunner.run(["prepare", "--simulated", "10", "--split-fractions", "1,0,0",
                                           "--out", trainOnly.path])
        try #require(split.status == 0, "\(split.error)")
        let empty = try CommandRunner.run(["evaluate", "--checkpoint", checkpoint.path, "--data", trainOnly.path,
                                           "--threads", "1"], ranks: 2, timeout: 60)
        #expect(empty.status != 0 && empty.status != -1)
        #expect(empty.error.contains("dataset \(trainOnly.path) has no records in split 'test' (it has train 10, "
                                     + "validation 0, test 0)"), "\(empty.error)")
        let noData = try CommandRunner.run(["predict", "--checkpoint", checkpoint.path, "--out", "x"])
        #expect(noData.status != 0 && noData.error.contains("predict needs --data"), "\(noData.error)")
    }

    /// Every record gets the same probabilities on 1, 2 and 3 ranks (shares are whole batches), so evaluate's
    /// report and predict's files are byte-identical.
    @Test func resultsAreIdenticalOnOneTwoAndThreeRanks() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Self.makeCheckpoint(in: directory)
        let dataset = directory.appendingPathComponent("sim.nc")
        let prepared = try CommandRunner.run(["prepare", "--simulated", "23", "--out", dataset.path])
        try #require(prepared.status == 0, "\(prepared.error)")
        var reports: [String] = [], predictions: [[String: Data]] = []
        for ranks in [1, 2, 3] {
            let report = directory.appendingPathComponent("report-\(ranks)")
            let outputs = directory.appendingPathComponent("outputs-\(ranks)")
            let common = ["--checkpoint", checkpoint.path, "--data", dataset.path, "--split", "all", "--threads", "1",
                          "--batch-size", "4"]
            let evaluated = try CommandRunner.run(["evaluate", "--out", report.path] + common, ranks: ranks)
            try #require(evaluated.status == 0, "\(ranks) ranks: \(evaluated.error)")
            reports.append(try String(contentsOf: report.appendingPathComponent("evaluation.json"), encoding: .utf8))
            let predicted = try CommandRunner.run(["predict", "--out", outputs.path] + common, ranks: ranks)
            try #require(predicted.status == 0, "\(ranks) ranks: \(predicted.error)")
            #expect(predicted.output.contains("predict: wrote 23 output files"), "\(predicted.output)")
            let names = try FileManager.default.contentsOfDirectory(atPath: outputs.path)
            predictions.append(Dictionary(uniqueKeysWithValues: try names.map {
                ($0, try Data(contentsOf: outputs.appendingPathComponent($0)))
            }))
        }
        #expect(reports[0] == reports[1] && reports[0] == reports[2])
        #expect(predictions[0].count == 23)
        #expect(predictions[0] == predictions[1] && predictions[0] == predictions[2])
    }

    /// Must-hold: a checkpoint written by the code before the model seam (format version 1,
    /// `Tests/ECGNetsTests/Fixtures/checkpoint-format1`) still evaluates, to the numbers that code reported on the
    /// same 40 simulated records (every number of evaluation.json within 1e-6; the fixture's script made both).
    /// The simulator has changed since, so the records are the fixture's `sim40-records` (that simulator's
    /// records cut to the 400-sample window the checkpoint reads; see the fixture's README).
    @Test func aFormatVersion1CheckpointEvaluatesAsBefore() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ECGNetsTests/Fixtures/checkpoint-format1")
        let report = directory.appendingPathComponent("report")
        let evaluated = try CommandRunner.run(["evaluate", "--checkpoint", fixtures.appendingPathComponent("resnet18-w4-step2.nc").path,
                                               "--data", fixtures.appendingPathComponent("sim40-records").path,
                                               "--cache-dir", directory.appendingPathComponent("cache").path,
                                               "--split", "all", "--threads", "1", "--out", report.path])
        try #require(evaluated.status == 0, "\(evaluated.error)")
        let inspected = try CommandRunner.run(["inspect", fixtures.appendingPathComponent("resnet18-w4-step2.nc").path])
        #expect(inspected.output.contains("(format version 1, read as version 2)"), "\(inspected.output)")
        #expect(inspected.output.contains("resnet1d: resnet18 widths [4, 4, 4, 4]"), "\(inspected.output)")
        let then = try Self.jsonObject(at: fixtures.appendingPathComponent("evaluation-sim40-all.json"))
        let now = try Self.jsonObject(at: report.appendingPathComponent("evaluation.json"))
        var differences: [String] = []
        Self.compare(then, now, path: "", into: &differences)
        #expect(differences.isEmpty, "\(differences.prefix(10))")
    }

    /// Every place where two JSON values differ: numbers by more than 1e-6, anything else at all.
    static func compare(_ a: Any, _ b: Any, path: String, into differences: inout [String]) {
        switch (a, b) {
        case let (a as [String: Any], b as [String: Any]):
            if Set(a.keys) != Set(b.keys) { differences.append("\(path): keys \(a.keys.sorted()) vs \(b.keys.sorted())") }
            for (key, value) in a { if let other = b[key] { compare(value, other, path: path + "." + key, into: &differences) } }
        case let (a as [Any], b as [Any]):
            if a.count != b.count { differences.append("\(path): \(a.count) vs \(b.count) elements") }
            for (index, (x, y)) in zip(a, b).enumerated() { compare(x, y, path: "\(path)[\(index)]", into: &differences) }
        case let (a as NSNumber, b as NSNumber):
            if abs(a.doubleValue - b.doubleValue) > 1e-6 && !(a.doubleValue.isNaN && b.doubleValue.isNaN) {
                differences.append("\(path): \(a) vs \(b)")
            }
        default:
            if "\(a)" != "\(b)" { differences.append("\(path): \(a) vs \(b)") }
        }
    }

    /// Records that cannot be read are an error naming them (a scorer would refuse a directory missing their
    /// outputs); with --skip-unreadable they are listed, get no output file, and the others do.
    @Test func unreadableRecordsAreSkippedByPredict() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try Self.makeCheckpoint(in: directory)
        let records = directory.appendingPathComponent("records")
        try PrepareCommandTests.makeRecords(in: records)
        let outputs = directory.appendingPathComponent("outputs")
        let arguments = ["predict", "--checkpoint", checkpoint.path, "--data", records.path,
                         "--cache-dir", directory.appendingPathComponent("cache").path, "--out", outputs.path, "--threads", "1"]
        let refused = try CommandRunner.run(arguments, ranks: 2)
        #expect(refused.status != 0)
        #expect(refused.error.contains("2 record(s) cannot be read") && refused.error.contains("bad/TRUNC.hea")
                && refused.error.contains("bad/NOMAT.hea") && refused.error.contains("--skip-unreadable"), "\(refused.error)")
        #expect(refused.output.contains("2 records skipped: 1 truncated signal file, 1 missing signal file"),
                "\(refused.output)")
        let result = try CommandRunner.run(arguments + ["--skip-unreadable"], ranks: 2)
        try #require(result.status == 0, "\(result.error)")
        #expect(result.output.contains("predict: wrote 3 output files"), "\(result.output)")
        #expect(result.output.contains("2 record(s) could not be read and have no output file"), "\(result.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs.path).sorted()
                == ["E07500.csv", "E07501.csv", "E07514.csv"])
    }
}
