import ECGNets
import Foundation
import Testing

/// Locations and readers of the Challenge fixtures (see each directory's SOURCE.md).
enum ChallengeFixtures {
    /// `Fixtures/<topic>` next to this file.
    static func directory(_ topic: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(topic)")
    }

    /// The official scorer reference: 240 labels and outputs and the official numbers.
    static let reference = directory("challenge2020-scoring")
    /// The edge cases scored by the official 2020 and 2021 scorers.
    static let edgeCases = directory("challenge-scoring-edge-cases")
    /// Copies of the official class maps and weights.
    static let tables = directory("challenge-tables")

    /// The numbers an official scorer wrote as JSON (NaN as null); the 2021 scorer has no beta measures.
    struct OfficialScores: Decodable {
        let classes: [String]
        let auroc: Double?
        let auprc: Double?
        let accuracy: Double?
        let fMeasure: Double?
        let fBetaMeasure: Double?
        let gBetaMeasure: Double?
        let challengeMetric: Double?
        let aurocPerClass: [Double?]
        let auprcPerClass: [Double?]
        let fMeasurePerClass: [Double?]
    }

    /// Decodes an official scorer's JSON with a plain decoder (not the project's `ChallengeScores` coding).
    static func officialScores(_ file: URL) throws -> OfficialScores {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(OfficialScores.self, from: Data(contentsOf: file))
    }

    /// The rows of a plain CSV file (the Challenge tables have no quoted fields), blank lines dropped.
    static func csvRows(_ file: URL) throws -> [[String]] {
        try String(contentsOf: file, encoding: .utf8)
            .split(whereSeparator: \.isNewline)
            .map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
            .filter { $0.contains { !$0.isEmpty } }
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("challenge-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Expects `actual` to equal an official value within `tolerance`; `nil` (NaN in the official output)
/// must be NaN here.
func expectOfficial(_ actual: Double, _ expected: Double?, tolerance: Double = 1e-9, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    if let expected {
        #expect(abs(actual - expected) <= tolerance, "\(what): \(actual) vs official \(expected)",
                sourceLocation: sourceLocation)
    } else {
        #expect(actual.isNaN, "\(what): \(actual) but the official scorer gives NaN", sourceLocation: sourceLocation)
    }
}

/// Expects every per-class value to match the official ones (same count, each within `tolerance`).
func expectOfficial(_ actual: [Double], _ expected: [Double?], tolerance: Double = 1e-9, _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) classes vs \(expected.count)",
            sourceLocation: sourceLocation)
    for (index, (value, official)) in zip(actual, expected).enumerated() {
        expectOfficial(value, official, tolerance: tolerance, "\(what)[\(index)]", sourceLocation: sourceLocation)
    }
}

/// Expects every number an official scorer reported (and the class list) to match `scores` to 1e-9.
func expectAllOfficial(_ scores: ChallengeScores, _ official: ChallengeFixtures.OfficialScores,
                       sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(scores.classes == official.classes, sourceLocation: sourceLocation)
    expectOfficial(scores.auroc, official.auroc, "AUROC", sourceLocation: sourceLocation)
    expectOfficial(scores.auprc, official.auprc, "AUPRC", sourceLocation: sourceLocation)
    expectOfficial(scores.accuracy, official.accuracy, "accuracy", sourceLocation: sourceLocation)
    expectOfficial(scores.fMeasure, official.fMeasure, "F-measure", sourceLocation: sourceLocation)
    expectOfficial(scores.fBetaMeasure, official.fBetaMeasure, "F-beta", sourceLocation: sourceLocation)
    expectOfficial(scores.gBetaMeasure, official.gBetaMeasure, "G-beta", sourceLocation: sourceLocation)
    expectOfficial(scores.challengeMetric, official.challengeMetric, "Challenge metric", sourceLocation: sourceLocation)
    expectOfficial(scores.aurocPerClass, official.aurocPerClass, "AUROC per class", sourceLocation: sourceLocation)
    expectOfficial(scores.auprcPerClass, official.auprcPerClass, "AUPRC per class", sourceLocation: sourceLocation)
    expectOfficial(scores.fMeasurePerClass, official.fMeasurePerClass, "F-measure per class", sourceLocation: sourceLocation)
}
