/// What one validation of a training run measured: where the run was, its mean training loss since the
/// previous entry, the learning rate, and the official Challenge scores of the validation set, macro and
/// per scoring class. NaN (undefined metrics) is encoded as JSON `null`.
public struct TrainingHistoryEntry: Sendable, Equatable, Codable {
    /// The epoch (from 1) the validation ended.
    public var epoch: Int
    /// Optimizer steps completed at the validation.
    public var globalStep: Int
    /// Mean training loss over the steps since the previous entry.
    public var meanTrainingLoss: Double
    /// The learning rate in use at the validation.
    public var learningRate: Double
    /// The Challenge metric at the thresholds used for the scores.
    public var challengeMetric: Double
    /// The Challenge metric after tuning the thresholds on this validation set, if they were tuned.
    public var tunedChallengeMetric: Double?
    /// Macro AUROC.
    public var auroc: Double
    /// Macro AUPRC.
    public var auprc: Double
    /// Macro F-measure.
    public var fMeasure: Double
    /// Macro F-beta measure (beta 2).
    public var fBetaMeasure: Double
    /// Macro G-beta measure (beta 2).
    public var gBetaMeasure: Double
    /// Fraction of records with every class right.
    public var accuracy: Double
    /// Per scoring class, keyed by its representative SNOMED-CT code.
    public var perClass: [String: ClassValidationMetrics]
    /// The metric that picks the best checkpoint (`ValidationMetric` raw value) and its value here; nil in
    /// entries from before tasks (the tuned Challenge metric then).
    public var selectionMetric: String?
    public var selectedMetric: Double?
    /// A single-label task's scores (confusion matrix, F1s, CinC 2017 score); the Challenge fields are then NaN.
    public var singleLabel: SingleLabelScores?

    /// An entry of a single-label task: its scores and the selected metric's value.
    public init(epoch: Int, globalStep: Int, meanTrainingLoss: Double, learningRate: Double,
                singleLabel: SingleLabelScores, selectionMetric: ValidationMetric, selectedMetric: Double) {
        self.epoch = epoch
        self.globalStep = globalStep
        self.meanTrainingLoss = meanTrainingLoss
        self.learningRate = learningRate
        (challengeMetric, auroc, auprc, fMeasure, fBetaMeasure, gBetaMeasure) = (.nan, .nan, .nan, singleLabel.macroF1, .nan, .nan)
        tunedChallengeMetric = nil
        accuracy = singleLabel.accuracy
        perClass = [:]
        self.singleLabel = singleLabel
        self.selectionMetric = selectionMetric.rawValue
        self.selectedMetric = selectedMetric
    }

    /// An entry from the run's position and the validation's official scores.
    public init(epoch: Int, globalStep: Int, meanTrainingLoss: Double, learningRate: Double,
                scores: ChallengeScores, tunedChallengeMetric: Double? = nil, selectionMetric: ValidationMetric? = nil,
                selectedMetric: Double? = nil) {
        self.selectionMetric = selectionMetric?.rawValue
        self.selectedMetric = selectedMetric
        self.epoch = epoch
        self.globalStep = globalStep
        self.meanTrainingLoss = meanTrainingLoss
        self.learningRate = learningRate
        self.tunedChallengeMetric = tunedChallengeMetric
        challengeMetric = scores.challengeMetric
        auroc = scores.auroc
        auprc = scores.auprc
        fMeasure = scores.fMeasure
        fBetaMeasure = scores.fBetaMeasure
        gBetaMeasure = scores.gBetaMeasure
        accuracy = scores.accuracy
        var perClass: [String: ClassValidationMetrics] = [:]
        for (index, code) in scores.classes.enumerated() {
            perClass[code] = ClassValidationMetrics(auroc: scores.aurocPerClass[index],
                                                    auprc: scores.auprcPerClass[index],
                                                    fMeasure: scores.fMeasurePerClass[index])
        }
        self.perClass = perClass
    }

    private enum CodingKeys: String, CodingKey {
        case epoch
        case globalStep = "global_step"
        case meanTrainingLoss = "mean_training_loss"
        case learningRate = "learning_rate"
        case challengeMetric = "challenge_metric"
        case tunedChallengeMetric = "tuned_challenge_metric"
        case auroc, auprc, accuracy
        case fMeasure = "f_measure"
        case fBetaMeasure = "f_beta_measure"
        case gBetaMeasure = "g_beta_measure"
        case perClass = "per_class"
        case selectionMetric = "selection_metric"
        case selectedMetric = "selected_metric"
        case singleLabel = "single_label"
    }

    /// Decodes an entry, `null` numbers as NaN (and a missing tuned metric as `nil`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func number(_ key: CodingKeys) throws -> Double {
            try container.decodeIfPresent(Double.self, forKey: key) ?? .nan
        }
        epoch = try container.decode(Int.self, forKey: .epoch)
        globalStep = try container.decode(Int.self, forKey: .globalStep)
        meanTrainingLoss = try number(.meanTrainingLoss)
        learningRate = try number(.learningRate)
        challengeMetric = try number(.challengeMetric)
        tunedChallengeMetric = try container.decodeIfPresent(Double.self, forKey: .tunedChallengeMetric)
        auroc = try number(.auroc)
        auprc = try number(.auprc)
        fMeasure = try number(.fMeasure)
        fBetaMeasure = try number(.fBetaMeasure)
        gBetaMeasure = try number(.gBetaMeasure)
        accuracy = try number(.accuracy)
        perClass = try container.decode([String: ClassValidationMetrics].self, forKey: .perClass)
        selectionMetric = try container.decodeIfPresent(String.self, forKey: .selectionMetric)
        selectedMetric = try container.decodeIfPresent(Double.self, forKey: .selectedMetric)
        singleLabel = try container.decodeIfPresent(SingleLabelScores.self, forKey: .singleLabel)
    }

    /// Encodes with snake-case names like the official scorer's JSON, NaN as `null`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        func finite(_ value: Double) -> Double? { value.isNaN ? nil : value }
        try container.encode(epoch, forKey: .epoch)
        try container.encode(globalStep, forKey: .globalStep)
        try container.encode(finite(meanTrainingLoss), forKey: .meanTrainingLoss)
        try container.encode(finite(learningRate), forKey: .learningRate)
        try container.encode(finite(challengeMetric), forKey: .challengeMetric)
        try container.encodeIfPresent(tunedChallengeMetric.flatMap(finite), forKey: .tunedChallengeMetric)
        try container.encode(finite(auroc), forKey: .auroc)
        try container.encode(finite(auprc), forKey: .auprc)
        try container.encode(finite(fMeasure), forKey: .fMeasure)
        try container.encode(finite(fBetaMeasure), forKey: .fBetaMeasure)
        try container.encode(finite(gBetaMeasure), forKey: .gBetaMeasure)
        try container.encode(finite(accuracy), forKey: .accuracy)
        try container.encode(perClass, forKey: .perClass)
        try container.encodeIfPresent(selectionMetric, forKey: .selectionMetric)
        try container.encodeIfPresent(selectedMetric.flatMap(finite), forKey: .selectedMetric)
        try container.encodeIfPresent(singleLabel, forKey: .singleLabel)
    }

    /// Equal when every field is equal, NaN matching NaN (a class without positives stays NaN).
    public static func == (lhs: TrainingHistoryEntry, rhs: TrainingHistoryEntry) -> Bool {
        func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }
        func sameOptional(_ a: Double?, _ b: Double?) -> Bool {
            switch (a, b) {
            case (nil, nil): true
            case let (a?, b?): same(a, b)
            default: false
            }
        }
        func sameClass(_ a: ClassValidationMetrics?, _ b: ClassValidationMetrics?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return same(a.auroc, b.auroc) && same(a.auprc, b.auprc) && same(a.fMeasure, b.fMeasure)
        }
        return lhs.epoch == rhs.epoch && lhs.globalStep == rhs.globalStep
            && same(lhs.meanTrainingLoss, rhs.meanTrainingLoss) && same(lhs.learningRate, rhs.learningRate)
            && same(lhs.challengeMetric, rhs.challengeMetric)
            && sameOptional(lhs.tunedChallengeMetric, rhs.tunedChallengeMetric)
            && same(lhs.auroc, rhs.auroc) && same(lhs.auprc, rhs.auprc) && same(lhs.fMeasure, rhs.fMeasure)
            && same(lhs.fBetaMeasure, rhs.fBetaMeasure) && same(lhs.gBetaMeasure, rhs.gBetaMeasure)
            && same(lhs.accuracy, rhs.accuracy)
            && Set(lhs.perClass.keys) == Set(rhs.perClass.keys)
            && lhs.perClass.allSatisfy { sameClass($0.value, rhs.perClass[$0.key]) }
            && lhs.selectionMetric == rhs.selectionMetric && sameOptional(lhs.selectedMetric, rhs.selectedMetric)
            && lhs.singleLabel == rhs.singleLabel
    }
}
