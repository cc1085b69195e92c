import ECGNets
import Foundation
import Testing

/// The evaluation report's text, JSON and CSV against the scores of the official reference.
@Suite struct EvaluationReportTests {
    private func referenceReport() throws -> (EvaluationReport, ChallengeDirectoryEvaluation) {
        let evaluation = try ChallengeDirectoryEvaluation(
            labelDirectory: ChallengeFixtures.reference.appendingPathComponent("labels"),
            outputDirectory: ChallengeFixtures.reference.appendingPathComponent("outputs"))
        let thresholds = try DecisionThresholds(uniform: 0.5)
        return (EvaluationReport(records: evaluation.records, thresholds: thresholds), evaluation)
    }

    /// JSON: macro and per-class numbers equal the official scorer's expected.json; rows carry counts.
    @Test func jsonAgreesWithTheOfficialScores() throws {
        let (report, evaluation) = try referenceReport()
        let official = try ChallengeFixtures.officialScores(
            ChallengeFixtures.reference.appendingPathComponent("expected.json"))
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: report.jsonData())
        #expect(decoded.recordCount == 240)
        #expect(decoded.weightsYear == 2020)
        expectAllOfficial(decoded.scores, official)
        #expect(decoded.rows.map { $0.codes[0] } == official.classes)
        #expect(decoded.rows.map(\.positives) == evaluation.records.positiveLabelCounts())
        #expect(decoded.rows.map(\.predictedPositives) == evaluation.records.positiveOutputCounts())
        expectOfficial(decoded.rows.map(\.auroc), official.aurocPerClass, "row AUROC")
        expectOfficial(decoded.rows.map(\.fMeasure), official.fMeasurePerClass, "row F-measure")
        let merged = try #require(decoded.rows.first { $0.codes.contains("59118001") })
        #expect(merged.codes == ["713427006", "59118001"])
        #expect(merged.abbreviation == "CRBBB|RBBB")
        #expect(merged.thresholds == [0.5, 0.5])
    }

    /// CSV: header, one row per class, a macro row; every number reads back as the official value.
    @Test func csvAgreesWithTheOfficialScores() throws {
        let (report, _) = try referenceReport()
        let official = try ChallengeFixtures.officialScores(
            ChallengeFixtures.reference.appendingPathComponent("expected.json"))
        let lines = report.csv().split(separator: "\n").map(String.init)
        #expect(lines.count == 1 + 24 + 1)
        #expect(lines[0] == "code,abbreviation,name,positives,predicted_positives,auroc,auprc,f_measure,threshold")
        for (index, line) in lines[1...24].enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            #expect(fields.count == 9, "\(line)")
            #expect(fields[0].split(separator: "|").first.map(String.init) == official.classes[index])
            expectOfficial(Double(fields[5]) ?? .nan, official.aurocPerClass[index], "CSV AUROC \(index)")
            expectOfficial(Double(fields[6]) ?? .nan, official.auprcPerClass[index], "CSV AUPRC \(index)")
            expectOfficial(Double(fields[7]) ?? .nan, official.fMeasurePerClass[index], "CSV F \(index)")
        }
        let macro = lines[25].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(macro[0] == "macro")
        expectOfficial(Double(macro[5]) ?? .nan, official.auroc, "CSV macro AUROC")
        expectOfficial(Double(macro[7]) ?? .nan, official.fMeasure, "CSV macro F")
    }

    /// Text: the macro numbers as the official scorer prints them, aligned rows with names.
    @Test func textTableShowsEveryClass() throws {
        let (report, _) = try referenceReport()
        let official = try ChallengeFixtures.officialScores(
            ChallengeFixtures.reference.appendingPathComponent("expected.json"))
        let text = report.text()
        #expect(text.contains("Challenge metric " + String(format: "%.3f", try #require(official.challengeMetric))))
        #expect(text.contains("AUROC " + String(format: "%.3f", try #require(official.auroc))))
        let lines = text.split(separator: "\n")
        let rows = lines.filter { line in official.classes.contains { line.hasPrefix($0) } }
        #expect(rows.count == 24)
        #expect(text.contains("atrial fibrillation"))
        let header = try #require(lines.first { $0.hasPrefix("Class") })
        let aurocEnd = try #require(header.range(of: "AUROC")?.upperBound).utf16Offset(in: header)
        for row in rows {  // right-aligned numbers end under their header
            let prefix = String(row.prefix(aurocEnd))
            #expect(prefix.hasSuffix("nan") || Double(prefix.suffix(5)) != nil, "\(row)")
        }
    }

    /// The three files are written where asked.
    @Test func writesTextJSONAndCSVFiles() throws {
        let (report, _) = try referenceReport()
        let directory = try ChallengeFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try report.write(into: directory, baseName: "validation")
        #expect(files.map(\.lastPathComponent) == ["validation.txt", "validation.json", "validation.csv"])
        #expect(try String(contentsOf: files[2], encoding: .utf8) == report.csv())
        #expect(throws: ReportError.self) {
            _ = try report.write(into: directory.appendingPathComponent("missing/dir"))
        }
    }
}
