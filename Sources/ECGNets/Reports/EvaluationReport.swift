import Foundation

/// The evaluation of a classifier on a set of records: the official Challenge scores and one row per
/// scoring class, written as an aligned text table, JSON and CSV (see the extensions).
public struct EvaluationReport: Sendable, Codable {
    /// Number of records scored.
    public let recordCount: Int
    /// The Challenge year whose weights the metric used; nil for a class list without them (no Challenge metric).
    public let weightsYear: Int?
    /// What the report says about the weights: their year, or why there is no Challenge metric.
    public var weightsDescription: String {
        weightsYear.map { "\($0) Challenge weights" } ?? ScoringClasses.noWeightsReason
    }
    /// Every number the official scorer reports, macro and per class.
    public let scores: ChallengeScores
    /// One row per scoring class, in the scorer's class order.
    public let rows: [EvaluationReportRow]

    /// The report of `records`; `thresholds`, if given, fills each class's threshold column from the
    /// thresholds of its output columns.
    public init(records: ScoringRecords, thresholds: DecisionThresholds? = nil) {
        let scores = ChallengeScores(records)
        let positives = records.positiveLabelCounts()
        let predicted = records.positiveOutputCounts()
        recordCount = records.count
        weightsYear = records.classes.year
        self.scores = scores
        rows = records.classes.classes.enumerated().map { index, scoringClass in
            let names = scoringClass.codes.map { ChallengeDiagnosisCatalog.diagnosis(for: $0)?.description ?? "?" }
            return EvaluationReportRow(
                codes: scoringClass.codes, abbreviation: scoringClass.abbreviation,
                name: names.joined(separator: "|"), positives: positives[index], predictedPositives: predicted[index],
                auroc: scores.aurocPerClass[index], auprc: scores.auprcPerClass[index],
                fMeasure: scores.fMeasurePerClass[index],
                thresholds: scoringClass.codes.compactMap { thresholds?.threshold(for: $0) })
        }
    }

    private enum CodingKeys: String, CodingKey {
        case scores, classes
        case recordCount = "record_count"
        case weightsYear = "weights_year"
    }

    /// Decodes the JSON `jsonData()` writes.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        recordCount = try container.decode(Int.self, forKey: .recordCount)
        weightsYear = try container.decodeIfPresent(Int.self, forKey: .weightsYear)
        scores = try container.decode(ChallengeScores.self, forKey: .scores)
        rows = try container.decode([EvaluationReportRow].self, forKey: .classes)
    }

    /// Encodes the record count, weights year (null without weights), official scores and per-class rows.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(recordCount, forKey: .recordCount)
        try container.encode(weightsYear, forKey: .weightsYear)
        try container.encode(scores, forKey: .scores)
        try container.encode(rows, forKey: .classes)
    }

    /// The report as pretty-printed JSON with sorted keys (NaN as `null`).
    public func jsonData() throws(ReportError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return try encoder.encode(self)
        } catch {
            throw .unencodable(reason: String(describing: error))
        }
    }

    /// Writes `<baseName>.txt`, `.json` and `.csv` into `directory` and returns their URLs.
    @discardableResult
    public func write(into directory: URL, baseName: String = "evaluation") throws(ReportError) -> [URL] {
        let text = directory.appendingPathComponent(baseName + ".txt")
        let json = directory.appendingPathComponent(baseName + ".json")
        let csv = directory.appendingPathComponent(baseName + ".csv")
        try ReportFileWriter.write(self.text(), to: text)
        try ReportFileWriter.write(String(decoding: try jsonData(), as: UTF8.self), to: json)
        try ReportFileWriter.write(self.csv(), to: csv)
        return [text, json, csv]
    }
}
