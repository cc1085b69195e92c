import ECGNets
import Foundation
import Testing

/// The directory scorer against the official PhysioNet/CinC scorers' own numbers.
@Suite struct ChallengeScoringTests {
    /// Every number of expected.json (official 2020 scorer on 240 records), per-class values included.
    @Test func reproducesTheOfficialReference() throws {
        let evaluation = try ChallengeDirectoryEvaluation(
            labelDirectory: ChallengeFixtures.reference.appendingPathComponent("labels"),
            outputDirectory: ChallengeFixtures.reference.appendingPathComponent("outputs"))
        let official = try ChallengeFixtures.officialScores(
            ChallengeFixtures.reference.appendingPathComponent("expected.json"))
        #expect(evaluation.records.count == 240)
        expectAllOfficial(evaluation.scores, official)
        #expect(evaluation.malformedOutputs.isEmpty)
        #expect(evaluation.ignoredOutputCodes.isEmpty)
    }

    /// Equivalent codes, disagreeing and missing columns, unknown codes, boolean spellings, NaN classes:
    /// the official 2020 scorer's numbers on the edge cases (read leniently: strict reading refuses missing columns).
    @Test func edgeCasesMatchTheOfficial2020Scorer() throws {
        let evaluation = try ChallengeDirectoryEvaluation(
            labelDirectory: ChallengeFixtures.edgeCases.appendingPathComponent("labels"),
            outputDirectory: ChallengeFixtures.edgeCases.appendingPathComponent("outputs"), classes: .challenge2020,
            parsing: .official)
        let official = try ChallengeFixtures.officialScores(
            ChallengeFixtures.edgeCases.appendingPathComponent("expected-2020.json"))
        expectAllOfficial(evaluation.scores, official)
        // 16 labelled records; UNLABELLED.csv has no header and is not scored.
        let labelledRecords = (0..<16).map { String(format: "E%02d", $0) }
        #expect(evaluation.records.recordIDs == labelledRecords)
        // The 2020 scorer does not split `a|b` output columns.
        #expect(evaluation.ignoredOutputCodes == ["164884008": 1, "12345": 1, "733534002|164909002": 1])
    }

    /// The same outputs with the 2021 weights (26 classes, CLBBB|LBBB merged, BBB and PRWP scored): the
    /// official 2021 scorer's numbers.
    @Test func edgeCasesMatchTheOfficial2021Scorer() throws {
        let evaluation = try ChallengeDirectoryEvaluation(
            labelDirectory: ChallengeFixtures.edgeCases.appendingPathComponent("labels"),
            outputDirectory: ChallengeFixtures.edgeCases.appendingPathComponent("outputs"), classes: .challenge2021,
            parsing: .official)
        let official = try ChallengeFixtures.officialScores(
            ChallengeFixtures.edgeCases.appendingPathComponent("expected-2021.json"))
        let scores = evaluation.scores
        #expect(evaluation.records.classes.classes.map { $0.codes.joined(separator: "|") } == official.classes)
        expectOfficial(scores.auroc, official.auroc, "AUROC")
        expectOfficial(scores.auprc, official.auprc, "AUPRC")
        expectOfficial(scores.accuracy, official.accuracy, "accuracy")
        expectOfficial(scores.fMeasure, official.fMeasure, "F-measure")
        expectOfficial(scores.challengeMetric, official.challengeMetric, "Challenge metric")
        expectOfficial(scores.aurocPerClass, official.aurocPerClass, "AUROC per class")
        expectOfficial(scores.auprcPerClass, official.auprcPerClass, "AUPRC per class")
        expectOfficial(scores.fMeasurePerClass, official.fMeasurePerClass, "F-measure per class")
        #expect(evaluation.ignoredOutputCodes == ["164884008": 1, "12345": 1])
    }

    /// Official reading: a file without its probability line counts as all-negative, unreadable values
    /// as 0 / negative, as the official 2020 scorer does.
    @Test func lenientReadingMatchesTheOfficialScorerOnMalformedFiles() throws {
        let outputs = ChallengeFixtures.edgeCases.appendingPathComponent("outputs-lenient")
        let evaluation = try ChallengeDirectoryEvaluation(
            labelDirectory: ChallengeFixtures.edgeCases.appendingPathComponent("labels"),
            outputDirectory: outputs, parsing: .official)
        let official = try ChallengeFixtures.officialScores(
            ChallengeFixtures.edgeCases.appendingPathComponent("expected-2020-lenient.json"))
        expectAllOfficial(evaluation.scores, official)
        #expect(evaluation.malformedOutputs.count == 1)
        #expect(evaluation.malformedOutputs.first?.description.contains("E05.csv") == true)
    }

    /// Strict reading stops at the first malformed output file and names it.
    @Test func strictReadingRejectsAMalformedFileByName() throws {
        let outputs = ChallengeFixtures.edgeCases.appendingPathComponent("outputs-lenient")
        #expect(throws: ChallengeFormatError.malformedOutput(
            file: outputs.appendingPathComponent("E05.csv").path, reason: "it has 2 line(s) of values, expected 3")) {
            _ = try ChallengeDirectoryEvaluation(
                labelDirectory: ChallengeFixtures.edgeCases.appendingPathComponent("labels"), outputDirectory: outputs)
        }
    }

    /// A labelled record without an output file is an error naming both files.
    @Test func missingOutputFileIsAnErrorNamingTheFiles() throws {
        let outputs = try ChallengeFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: outputs) }
        let labels = ChallengeFixtures.edgeCases.appendingPathComponent("labels")
        for record in ["E00", "E01"] {
            try FileManager.default.copyItem(
                at: ChallengeFixtures.edgeCases.appendingPathComponent("outputs/\(record).csv"),
                to: outputs.appendingPathComponent("\(record).csv"))
        }
        let error = #expect(throws: ChallengeFormatError.self) {
            _ = try ChallengeDirectoryEvaluation(labelDirectory: labels, outputDirectory: outputs)
        }
        #expect(error == .missingOutput(labelFile: labels.appendingPathComponent("E02.hea").path,
                                        outputFile: outputs.appendingPathComponent("E02.csv").path))
        #expect(error?.description.contains("E02.hea") == true)
        #expect(error?.description.contains("E02.csv") == true)
    }

    /// Missing directories and empty label directories are reported as such.
    @Test func missingDirectoriesAreReported() throws {
        let empty = try ChallengeFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: empty) }
        let missing = empty.appendingPathComponent("nowhere")
        #expect(throws: ChallengeFormatError.missingDirectory(path: missing.path, role: "label")) {
            _ = try ChallengeDirectoryEvaluation(labelDirectory: missing, outputDirectory: empty)
        }
        #expect(throws: ChallengeFormatError.missingDirectory(path: missing.path, role: "output")) {
            _ = try ChallengeDirectoryEvaluation(labelDirectory: empty, outputDirectory: missing)
        }
        #expect(throws: ChallengeFormatError.noLabelFiles(directory: empty.path)) {
            _ = try ChallengeDirectoryEvaluation(labelDirectory: empty, outputDirectory: empty)
        }
    }

    /// Issue 14 item 9: strict reading (the default) refuses a probability outside [0, 1] and an output file that
    /// lacks a scored class's column, naming the file; lenient reading scores them as the official scorer does and
    /// says so.
    @Test func strictReadingRefusesImpossibleProbabilitiesAndMissingClasses() throws {
        let directory = try ChallengeFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "R1 12 500 5000\n#Dx: 426783006\n"
            .write(to: directory.appendingPathComponent("R1.hea"), atomically: true, encoding: .utf8)
        let codes = ScoringClasses.challenge2020.classes.map { $0.codes[0] }
        let file = directory.appendingPathComponent("R1.csv")
        func write(codes: [String], probabilities: [Double]) throws {
            let output = ChallengeOutput(recordID: "R1", classCodes: codes, binaryOutputs: codes.map { _ in false },
                                         probabilities: probabilities)
            try ChallengeOutputWriter.text(for: output).write(to: file, atomically: true, encoding: .utf8)
        }
        for bad in [1.5, -0.25] {
            try write(codes: codes, probabilities: codes.indices.map { $0 == 3 ? bad : 0.5 })
            #expect {
                _ = try ChallengeDirectoryEvaluation(labelDirectory: directory, outputDirectory: directory)
            } throws: { error in
                guard case let .invalidField(path, _, field, _, expected) = error as? ChallengeFormatError else { return false }
                return path == file.path && field == 4 && expected == "a probability between 0 and 1"
            }
            let lenient = try ChallengeDirectoryEvaluation(labelDirectory: directory, outputDirectory: directory,
                                                           parsing: .official)
            #expect(lenient.warnings == ["\(file.path) has 1 probability outside [0, 1] (e.g. \(bad)); scored as written"])
        }
        let missing = ScoringClasses.challenge2020.classes[5].codes.joined(separator: "|")
        try write(codes: codes.enumerated().filter { $0.offset != 5 }.map(\.element),
                  probabilities: Array(repeating: 0.5, count: codes.count - 1))
        #expect(throws: ChallengeFormatError.missingClassColumns(file: file.path, classes: [missing])) {
            _ = try ChallengeDirectoryEvaluation(labelDirectory: directory, outputDirectory: directory)
        }
        let lenient = try ChallengeDirectoryEvaluation(labelDirectory: directory, outputDirectory: directory,
                                                       parsing: .official)
        #expect(lenient.warnings == ["\(file.path) has no column for the scored class(es) \(missing); scored as negative"])
        try write(codes: codes, probabilities: codes.map { _ in 1 })
        #expect(try ChallengeDirectoryEvaluation(labelDirectory: directory, outputDirectory: directory).warnings.isEmpty)
    }

    /// Strict reading refuses an output file whose `#record` line names another record.
    @Test func strictReadingChecksTheRecordID() throws {
        let directory = try ChallengeFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "R1 12 500 5000\n#Dx: 426783006\n"
            .write(to: directory.appendingPathComponent("R1.hea"), atomically: true, encoding: .utf8)
        let output = ChallengeOutput(recordID: "R2", classCodes: ["426783006"], binaryOutputs: [true], probabilities: [0.9])
        try ChallengeOutputWriter.text(for: output)
            .write(to: directory.appendingPathComponent("R1.csv"), atomically: true, encoding: .utf8)
        #expect(throws: ChallengeFormatError.recordIDMismatch(
            file: directory.appendingPathComponent("R1.csv").path, found: "R2", expected: "R1")) {
            _ = try ChallengeDirectoryEvaluation(labelDirectory: directory, outputDirectory: directory)
        }
        let lenient = try ChallengeDirectoryEvaluation(labelDirectory: directory, outputDirectory: directory,
                                                       parsing: .official)
        #expect(lenient.records.recordIDs == ["R1"])
    }

    /// Outputs read from the reference, written back with the writer and scored again give identical scores.
    @Test func writerRoundTripScoresIdentically() throws {
        let labels = ChallengeFixtures.reference.appendingPathComponent("labels")
        let outputs = ChallengeFixtures.reference.appendingPathComponent("outputs")
        let rewritten = try ChallengeFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: rewritten) }
        for pair in try ChallengeFilePair.find(labelDirectory: labels, outputDirectory: outputs) {
            let output = try ChallengeOutputReader.read(contentsOf: pair.outputFile)
            let written = try ChallengeOutputWriter.write(output, into: rewritten)
            #expect(written.lastPathComponent == pair.outputFile.lastPathComponent)
            #expect(try ChallengeOutputReader.read(contentsOf: written) == output)
        }
        let original = try ChallengeDirectoryEvaluation(labelDirectory: labels, outputDirectory: outputs).scores
        let roundTrip = try ChallengeDirectoryEvaluation(labelDirectory: labels, outputDirectory: rewritten).scores
        #expect(roundTrip == original)
    }

    /// `ChallengeScores` JSON uses the official names, and reads back equal.
    @Test func scoresJSONUsesTheOfficialNames() throws {
        let scores = try ChallengeDirectoryEvaluation(
            labelDirectory: ChallengeFixtures.reference.appendingPathComponent("labels"),
            outputDirectory: ChallengeFixtures.reference.appendingPathComponent("outputs")).scores
        let json = try JSONEncoder().encode(scores)
        let expected = try Data(contentsOf: ChallengeFixtures.reference.appendingPathComponent("expected.json"))
        let official = try JSONDecoder().decode(ChallengeScores.self, from: expected)
        #expect(official.classes == scores.classes)
        #expect(abs(official.challengeMetric - scores.challengeMetric) < 1e-9)
        #expect(try JSONDecoder().decode(ChallengeScores.self, from: json) == scores)
    }

}
