/// The shares of records that go to training, validation and test (default 0.8 / 0.1 / 0.1).
public struct DatasetSplitFractions: Sendable, Equatable, CustomStringConvertible {
    public let train: Double
    public let validation: Double
    public let test: Double

    /// The usual 80 / 10 / 10 split.
    public static let standard = DatasetSplitFractions(uncheckedTrain: 0.8, validation: 0.1, test: 0.1)

    /// Fractions that must be finite, non-negative, sum to 1 (within 1e-6) and give training a positive share.
    public init(train: Double, validation: Double, test: Double) throws(ECGDatasetPreparationError) {
        let values = [train, validation, test]
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 }), train > 0, abs(values.reduce(0, +) - 1) <= 1e-6 else {
            throw .invalidSplitFractions(train: train, validation: validation, test: test)
        }
        self.init(uncheckedTrain: train, validation: validation, test: test)
    }

    private init(uncheckedTrain train: Double, validation: Double, test: Double) {
        self.train = train
        self.validation = validation
        self.test = test
    }

    /// The fraction of `split`.
    public func fraction(of split: DatasetSplit) -> Double {
        switch split {
        case .train: return train
        case .validation: return validation
        case .test: return test
        }
    }

    /// `train/validation/test`, e.g. `0.8/0.1/0.1`.
    public var description: String { "\(train)/\(validation)/\(test)" }
}
