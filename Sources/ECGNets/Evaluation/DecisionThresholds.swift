/// One decision threshold per output class: a class is called positive when its probability is strictly
/// above its threshold. Stored with the class codes so a checkpoint or report says which is which.
public struct DecisionThresholds: Sendable, Equatable, Codable {
    /// SNOMED-CT code of each output column, in output order.
    public let codes: [String]
    /// The threshold of each output column.
    public let values: [Double]

    /// Thresholds for `codes`, in the same order; every value must be finite.
    public init(codes: [String], values: [Double]) throws(EvaluationInputError) {
        guard codes.count == values.count else {
            throw .thresholdClassesMismatch(expected: codes, found: Array(codes.prefix(values.count)))
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) {
            throw .nonFiniteThreshold(code: codes[index], value: values[index])
        }
        self.codes = codes
        self.values = values
    }

    /// The same threshold for every output class of `classes` (0.5 is the usual untuned choice).
    public init(uniform threshold: Double = 0.5, classes: ChallengeClasses = .challenge2020)
        throws(EvaluationInputError) {
        try self.init(codes: classes.codes, values: [Double](repeating: threshold, count: classes.count))
    }

    /// The threshold of the column with SNOMED-CT code `code`, `nil` if there is none.
    public func threshold(for code: String) -> Double? {
        codes.firstIndex(of: code).map { values[$0] }
    }

    /// The binary decisions of one sample's probabilities (one per column, in output order).
    public func decisions(_ probabilities: [Double]) -> [Bool] {
        zip(probabilities, values).map { $0 > $1 }
    }

    private enum CodingKeys: String, CodingKey {
        case codes = "classes", values = "thresholds"
    }

    /// Decodes `{"classes": [...], "thresholds": [...]}` and checks it as the memberwise initialiser does.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let codes = try container.decode([String].self, forKey: .codes)
        let values = try container.decode([Double].self, forKey: .values)
        do {
            try self.init(codes: codes, values: values)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .values, in: container, debugDescription: error.description)
        }
    }

    /// Encodes the codes and thresholds as two arrays in output order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(codes, forKey: .codes)
        try container.encode(values, forKey: .values)
    }
}
