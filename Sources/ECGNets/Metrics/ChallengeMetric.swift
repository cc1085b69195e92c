/// The PhysioNet/CinC Challenge metric as `compute_challenge_metric` of the official 2020 scorer defines
/// it: the weighted sum of a multi-label confusion matrix in which each record spreads one unit over
/// (its positive labels) × (its positive outputs), normalised so that always outputting only the normal
/// class (sinus rhythm) scores 0 and outputting exactly the labels scores 1.
public struct ChallengeMetric: Sendable {
    /// The weighted score of the classifier's binary outputs.
    public let observedScore: Double
    /// The weighted score of outputs equal to the labels.
    public let correctScore: Double
    /// The weighted score of the "inactive" classifier that outputs only the normal class.
    public let inactiveScore: Double

    /// Scores the binary outputs of `records` with the weights of their scoring classes; NaN throughout for
    /// classes without weights (a class list that is not a Challenge one has no Challenge metric).
    public init(_ records: ScoringRecords) {
        let classes = records.classes
        guard let normalIndex = classes.normalIndex else {
            (observedScore, correctScore, inactiveScore) = (.nan, .nan, .nan)
            return
        }
        let recordCount = records.count
        var inactiveOutputs = [Bool](repeating: false, count: recordCount * classes.count)
        for record in 0..<recordCount {
            inactiveOutputs[record * classes.count + normalIndex] = true
        }
        observedScore = Self.weightedScore(labels: records.labels, outputs: records.binaryOutputs, classes: classes)
        correctScore = Self.weightedScore(labels: records.labels, outputs: records.labels, classes: classes)
        inactiveScore = Self.weightedScore(labels: records.labels, outputs: inactiveOutputs, classes: classes)
    }

    /// The normalised Challenge metric, (observed − inactive) / (correct − inactive); 0 when the correct
    /// and inactive classifiers score the same (e.g. every record is labelled normal only); NaN without weights.
    public var normalizedScore: Double {
        correctScore.isNaN ? .nan : correctScore != inactiveScore ? (observedScore - inactiveScore) / (correctScore - inactiveScore) : 0
    }

    /// Σ weights ⊙ A, where A[j, k] accumulates 1 / max(|labels ∪ outputs| of a record, 1) for every
    /// record labelled j and output k; NaN weights are skipped (numpy's `nansum`).
    private static func weightedScore(labels: [Bool], outputs: [Bool], classes: ScoringClasses) -> Double {
        let classCount = classes.count
        let recordCount = labels.count / max(classCount, 1)
        var confusion = [Double](repeating: 0, count: classCount * classCount)
        labels.withUnsafeBufferPointer { labels in
            outputs.withUnsafeBufferPointer { outputs in
                confusion.withUnsafeMutableBufferPointer { confusion in
                    for record in 0..<recordCount {
                        let row = record * classCount
                        var active = 0
                        for classIndex in 0..<classCount where labels[row + classIndex] || outputs[row + classIndex] {
                            active += 1
                        }
                        let share = 1.0 / Double(max(active, 1))
                        for labelClass in 0..<classCount where labels[row + labelClass] {
                            for outputClass in 0..<classCount where outputs[row + outputClass] {
                                confusion[labelClass * classCount + outputClass] += share
                            }
                        }
                    }
                }
            }
        }
        var score = 0.0
        classes.weights.withUnsafeBufferPointer { weights in
            for (offset, count) in confusion.enumerated() {
                let term = weights[offset] * count
                if !term.isNaN { score += term }
            }
        }
        return score
    }
}
