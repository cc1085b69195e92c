/// One scoring class's line of an evaluation report: its codes and names, how many records have it and
/// how many the classifier called positive, its areas and F-measure, and the thresholds of its output
/// columns. NaN (a class without positives) is encoded as JSON `null`.
public struct EvaluationReportRow: Sendable, Codable {
    /// The class's SNOMED-CT codes, representative first (equivalent codes merged for scoring).
    public let codes: [String]
    /// The Challenge abbreviations of the codes joined by `|`.
    public let abbreviation: String
    /// The diagnosis names of the codes joined by `|`.
    public let name: String
    /// Records labelled with the class.
    public let positives: Int
    /// Records the classifier called positive.
    public let predictedPositives: Int
    /// Area under the ROC curve.
    public let auroc: Double
    /// Area under the precision-recall curve.
    public let auprc: Double
    /// F-measure of the decisions.
    public let fMeasure: Double
    /// The decision thresholds of the class's output columns (one per column; empty if unknown).
    public let thresholds: [Double]

    public init(codes: [String], abbreviation: String, name: String, positives: Int, predictedPositives: Int,
                auroc: Double, auprc: Double, fMeasure: Double, thresholds: [Double]) {
        self.codes = codes
        self.abbreviation = abbreviation
        self.name = name
        self.positives = positives
        self.predictedPositives = predictedPositives
        self.auroc = auroc
        self.auprc = auprc
        self.fMeasure = fMeasure
        self.thresholds = thresholds
    }

    /// The codes joined by `|`, as the reports print a class.
    public var code: String { codes.joined(separator: "|") }

    private enum CodingKeys: String, CodingKey {
        case codes, abbreviation, name, positives, auroc, auprc, thresholds
        case predictedPositives = "predicted_positives"
        case fMeasure = "f_measure"
    }

    /// Decodes a row, `null` numbers as NaN.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        codes = try container.decode([String].self, forKey: .codes)
        abbreviation = try container.decode(String.self, forKey: .abbreviation)
        name = try container.decode(String.self, forKey: .name)
        positives = try container.decode(Int.self, forKey: .positives)
        predictedPositives = try container.decode(Int.self, forKey: .predictedPositives)
        auroc = try container.decodeIfPresent(Double.self, forKey: .auroc) ?? .nan
        auprc = try container.decodeIfPresent(Double.self, forKey: .auprc) ?? .nan
        fMeasure = try container.decodeIfPresent(Double.self, forKey: .fMeasure) ?? .nan
        thresholds = try container.decode([Double].self, forKey: .thresholds)
    }

    /// Encodes a row, NaN as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(codes, forKey: .codes)
        try container.encode(abbreviation, forKey: .abbreviation)
        try container.encode(name, forKey: .name)
        try container.encode(positives, forKey: .positives)
        try container.encode(predictedPositives, forKey: .predictedPositives)
        try container.encode(auroc.isNaN ? nil : auroc, forKey: .auroc)
        try container.encode(auprc.isNaN ? nil : auprc, forKey: .auprc)
        try container.encode(fMeasure.isNaN ? nil : fMeasure, forKey: .fMeasure)
        try container.encode(thresholds, forKey: .thresholds)
    }
}
