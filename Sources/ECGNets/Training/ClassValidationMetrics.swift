/// One scoring class's threshold-free and thresholded validation numbers, as a history entry keeps them;
/// NaN (a class without positives) is encoded as JSON `null`.
public struct ClassValidationMetrics: Sendable, Equatable, Codable {
    /// Area under the ROC curve.
    public var auroc: Double
    /// Area under the precision-recall curve.
    public var auprc: Double
    /// F-measure of the thresholded decisions.
    public var fMeasure: Double

    public init(auroc: Double, auprc: Double, fMeasure: Double) {
        self.auroc = auroc
        self.auprc = auprc
        self.fMeasure = fMeasure
    }

    private enum CodingKeys: String, CodingKey {
        case auroc, auprc
        case fMeasure = "f_measure"
    }

    /// Decodes the three numbers, `null` as NaN.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        auroc = try container.decodeIfPresent(Double.self, forKey: .auroc) ?? .nan
        auprc = try container.decodeIfPresent(Double.self, forKey: .auprc) ?? .nan
        fMeasure = try container.decodeIfPresent(Double.self, forKey: .fMeasure) ?? .nan
    }

    /// Encodes the three numbers, NaN as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(auroc.isNaN ? nil : auroc, forKey: .auroc)
        try container.encode(auprc.isNaN ? nil : auprc, forKey: .auprc)
        try container.encode(fMeasure.isNaN ? nil : fMeasure, forKey: .fMeasure)
    }
}
