/// Every number the official 2020 scorer (evaluate_12ECG_score.py) reports for a set of records, in its
/// order; encoded as JSON with the scorer's names (`auroc`, `f_beta_measure`, `auroc_per_class`, ...),
/// NaN as `null`.
public struct ChallengeScores: Sendable, Equatable, Codable {
    /// Representative SNOMED-CT code of each scoring class, the order of the per-class arrays.
    public var classes: [String]
    /// Macro AUROC.
    public var auroc: Double
    /// Macro AUPRC.
    public var auprc: Double
    /// Fraction of records with every class right.
    public var accuracy: Double
    /// Macro F-measure.
    public var fMeasure: Double
    /// Macro F-beta measure, beta 2.
    public var fBetaMeasure: Double
    /// Macro G-beta measure, beta 2.
    public var gBetaMeasure: Double
    /// The normalised Challenge metric.
    public var challengeMetric: Double
    /// AUROC per scoring class (NaN where undefined).
    public var aurocPerClass: [Double]
    /// AUPRC per scoring class (NaN where undefined).
    public var auprcPerClass: [Double]
    /// F-measure per scoring class (NaN where undefined).
    public var fMeasurePerClass: [Double]

    /// Computes all metrics of `records` (F-beta and G-beta with beta 2, as the Challenge does).
    public init(_ records: ScoringRecords) {
        let areas = AreaUnderCurves(records)
        let confusion = ConfusionMeasures(records, beta: 2)
        classes = records.classes.classes.map(\.representative)
        auroc = areas.macroAUROC
        auprc = areas.macroAUPRC
        accuracy = confusion.accuracy
        fMeasure = confusion.macroFMeasure
        fBetaMeasure = confusion.macroFBeta
        gBetaMeasure = confusion.macroGBeta
        challengeMetric = ChallengeMetric(records).normalizedScore
        aurocPerClass = areas.perClassAUROC
        auprcPerClass = areas.perClassAUPRC
        fMeasurePerClass = confusion.perClassFMeasure
    }

    private enum CodingKeys: String, CodingKey {
        case classes, auroc, auprc, accuracy
        case fMeasure = "f_measure"
        case fBetaMeasure = "f_beta_measure"
        case gBetaMeasure = "g_beta_measure"
        case challengeMetric = "challenge_metric"
        case aurocPerClass = "auroc_per_class"
        case auprcPerClass = "auprc_per_class"
        case fMeasurePerClass = "f_measure_per_class"
    }

    /// Decodes the JSON this type encodes; `null` reads back as NaN.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double {
            try container.decodeIfPresent(Double.self, forKey: key) ?? .nan
        }
        func numbers(_ key: CodingKeys) throws -> [Double] {
            try container.decode([Double?].self, forKey: key).map { $0 ?? .nan }
        }
        classes = try container.decode([String].self, forKey: .classes)
        auroc = try number(.auroc)
        auprc = try number(.auprc)
        accuracy = try number(.accuracy)
        fMeasure = try number(.fMeasure)
        fBetaMeasure = try number(.fBetaMeasure)
        gBetaMeasure = try number(.gBetaMeasure)
        challengeMetric = try number(.challengeMetric)
        aurocPerClass = try numbers(.aurocPerClass)
        auprcPerClass = try numbers(.auprcPerClass)
        fMeasurePerClass = try numbers(.fMeasurePerClass)
    }

    /// Encodes with the official scorer's names; NaN, which JSON cannot hold, becomes `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func finite(_ value: Double) -> Double? { value.isNaN ? nil : value }
        try container.encode(classes, forKey: .classes)
        try container.encode(finite(auroc), forKey: .auroc)
        try container.encode(finite(auprc), forKey: .auprc)
        try container.encode(finite(accuracy), forKey: .accuracy)
        try container.encode(finite(fMeasure), forKey: .fMeasure)
        try container.encode(finite(fBetaMeasure), forKey: .fBetaMeasure)
        try container.encode(finite(gBetaMeasure), forKey: .gBetaMeasure)
        try container.encode(finite(challengeMetric), forKey: .challengeMetric)
        try container.encode(aurocPerClass.map(finite), forKey: .aurocPerClass)
        try container.encode(auprcPerClass.map(finite), forKey: .auprcPerClass)
        try container.encode(fMeasurePerClass.map(finite), forKey: .fMeasurePerClass)
    }
}
