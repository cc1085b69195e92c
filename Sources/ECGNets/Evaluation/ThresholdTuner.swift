import Foundation

/// Tunes one decision threshold per class to maximise the Challenge metric on validation predictions,
/// by coordinate ascent: starting from the initial threshold everywhere, each class in turn gets the
/// candidate threshold (mid-points between its distinct probabilities) that scores best with the other
/// classes fixed, a change being kept only if it raises the metric; sweeps repeat until none changes.
///
/// Columns the metric scores as one class (e.g. CRBBB 713427006 and RBBB 59118001) share a threshold:
/// the scorer ORs their decisions, so the class is positive when the larger probability is above it.
/// Classes without positive labels keep the initial threshold. Each candidate is scored incrementally,
/// from per-record sums of weights, so one sweep costs O(records × classes²) rather than a rescoring
/// per candidate.
public struct ThresholdTuner: Sendable {
    /// The threshold every class starts from (and keeps if tuning cannot improve it).
    public let initialThreshold: Double
    /// The most passes over the classes.
    public let maximumSweeps: Int
    /// The metric's classes and weights; `nil` for those of the predictions' output classes.
    public let scoring: ScoringClasses?

    /// A tuner starting at `initialThreshold` (0.5), stopping after `maximumSweeps` passes at most.
    public init(initialThreshold: Double = 0.5, maximumSweeps: Int = 10, scoring: ScoringClasses? = nil) {
        self.initialThreshold = initialThreshold
        self.maximumSweeps = max(maximumSweeps, 1)
        self.scoring = scoring
    }

    /// The thresholds that maximise the Challenge metric of `predictions` (see the type's description).
    /// Classes without Challenge weights have no metric to tune: they keep the initial threshold (metrics NaN).
    public func tune(_ predictions: ModelPredictions) throws(EvaluationInputError) -> ThresholdTuningResult {
        let scoring = self.scoring ?? predictions.classes.scoring
        let initial = try DecisionThresholds(uniform: initialThreshold, classes: predictions.classes)
        guard let normalIndex = scoring.normalIndex else {
            return ThresholdTuningResult(thresholds: initial, initialMetric: .nan, tunedMetric: .nan, sweeps: 0)
        }
        let columnClasses = predictions.classes.codes.map { scoring.index(of: $0) }
        var problem = ThresholdSearchProblem(predictions: predictions, scoring: scoring, normalIndex: normalIndex,
                                             columnClasses: columnClasses, initialThreshold: initialThreshold)
        let sweeps = problem.ascend(maximumSweeps: maximumSweeps)
        let tuned = try DecisionThresholds(
            codes: predictions.classes.codes,
            values: columnClasses.map { $0.map { problem.thresholds[$0] } ?? initialThreshold })

        // The search compares sums in its own order; the official formulas have the last word.
        let initialMetric = ChallengeMetric(try predictions.scoringRecords(thresholds: initial, scoring: scoring))
            .normalizedScore
        let tunedMetric = ChallengeMetric(try predictions.scoringRecords(thresholds: tuned, scoring: scoring))
            .normalizedScore
        if tunedMetric < initialMetric {
            return ThresholdTuningResult(thresholds: initial, initialMetric: initialMetric,
                                         tunedMetric: initialMetric, sweeps: sweeps)
        }
        return ThresholdTuningResult(thresholds: tuned, initialMetric: initialMetric, tunedMetric: tunedMetric,
                                     sweeps: sweeps)
    }
}

/// The state of the coordinate ascent over scoring classes: per record and class the decision score
/// (largest probability of the class's columns), the labels, the summed weights of the record's labels
/// per output class, and the current decisions.
private struct ThresholdSearchProblem {
    let recordCount: Int
    let classCount: Int
    /// `records × classes` largest probability of each class's columns; NaN where it has none.
    let decisionScores: [Double]
    /// `records × classes` scoring labels.
    let labels: [Bool]
    /// `records × classes`: Σ over the record's label classes j of weight[j, k] (NaN weights as 0).
    let labelWeights: [Double]
    /// Per class, the records with a finite decision score, by decreasing score.
    let orders: [[Int]]
    /// Per class, whether any record is labelled with it.
    let hasPositives: [Bool]
    /// Scores of the always-correct and always-normal classifiers, which normalise the metric.
    let correctScore: Double
    let inactiveScore: Double
    /// The current threshold of each scoring class.
    private(set) var thresholds: [Double]
    /// `records × classes` current decisions.
    private var outputs: [Bool]

    init(predictions: ModelPredictions, scoring: ScoringClasses, normalIndex: Int, columnClasses: [Int?],
         initialThreshold: Double) {
        let recordCount = predictions.count
        let classCount = scoring.count
        self.recordCount = recordCount
        self.classCount = classCount
        var scores = [Double](repeating: .nan, count: recordCount * classCount)
        var labels = [Bool](repeating: false, count: recordCount * classCount)
        let columns = predictions.classes.count
        predictions.probabilities.withUnsafeBufferPointer { probabilities in
            for record in 0..<recordCount {
                for (column, scoringClass) in columnClasses.enumerated() {
                    guard let scoringClass else { continue }
                    let probability = Double(probabilities[record * columns + column])
                    let offset = record * classCount + scoringClass
                    if !probability.isNaN, scores[offset].isNaN || probability > scores[offset] {
                        scores[offset] = probability
                    }
                }
                let recordLabels = scoring.labels(forDxCodes: predictions.positiveCodes(ofSample: record))
                labels.replaceSubrange((record * classCount)..<((record + 1) * classCount), with: recordLabels)
            }
        }
        let weights = scoring.weights.map { $0.isNaN ? 0 : $0 }
        let labelWeights = Self.labelWeights(labels: labels, weights: weights, recordCount: recordCount,
                                             classCount: classCount)
        orders = (0..<classCount).map { scoringClass in
            (0..<recordCount).filter { !scores[$0 * classCount + scoringClass].isNaN }
                .sorted { scores[$0 * classCount + scoringClass] > scores[$1 * classCount + scoringClass] }
        }
        hasPositives = (0..<classCount).map { scoringClass in
            (0..<recordCount).contains { labels[$0 * classCount + scoringClass] }
        }
        var normalOnly = [Bool](repeating: false, count: classCount)
        normalOnly[normalIndex] = true
        var correct = 0.0
        var inactive = 0.0
        for record in 0..<recordCount {
            let row = Array(labels[(record * classCount)..<((record + 1) * classCount)])
            correct += Self.recordScore(labels: row, outputs: row, labelWeights: labelWeights, record: record)
            inactive += Self.recordScore(labels: row, outputs: normalOnly, labelWeights: labelWeights, record: record)
        }
        decisionScores = scores
        self.labels = labels
        self.labelWeights = labelWeights
        correctScore = correct
        inactiveScore = inactive
        thresholds = [Double](repeating: initialThreshold, count: classCount)
        outputs = scores.map { $0 > initialThreshold }
    }

    /// Runs sweeps until one changes no threshold or `maximumSweeps` have run; returns the sweeps run.
    mutating func ascend(maximumSweeps: Int) -> Int {
        guard correctScore != inactiveScore else { return 0 }
        var sweeps = 0
        var changed = true
        while changed, sweeps < maximumSweeps {
            changed = false
            sweeps += 1
            for scoringClass in 0..<classCount where hasPositives[scoringClass] && !orders[scoringClass].isEmpty {
                if let better = bestThreshold(for: scoringClass) {
                    thresholds[scoringClass] = better
                    for record in 0..<recordCount {
                        let offset = record * classCount + scoringClass
                        outputs[offset] = decisionScores[offset] > better
                    }
                    changed = true
                }
            }
        }
        return sweeps
    }

    /// The candidate threshold of `scoringClass` that scores best with the other classes' decisions fixed,
    /// if it beats the current one (ties: the candidate nearest the current threshold); `nil` otherwise.
    private func bestThreshold(for scoringClass: Int) -> Double? {
        let current = thresholds[scoringClass]
        var candidates: [(threshold: Double, observed: Double)] = []
        var currentObserved = Double.nan
        decisionScores.withUnsafeBufferPointer { scores in
            let (base, gains) = switchGains(of: scoringClass)
            let order = orders[scoringClass]
            let highest = scores[order[0] * classCount + scoringClass]
            var observed = base
            candidates.append((highest < 1 ? (highest + 1) / 2 : highest.nextUp, observed))
            var index = 0
            while index < order.count {
                // Lower the threshold past the next distinct score: every record at it turns positive.
                let value = scores[order[index] * classCount + scoringClass]
                if currentObserved.isNaN, value <= current { currentObserved = observed }
                while index < order.count, scores[order[index] * classCount + scoringClass] == value {
                    observed += gains[order[index]]
                    index += 1
                }
                let threshold = index < order.count
                    ? (value + scores[order[index] * classCount + scoringClass]) / 2
                    : (value > 0 ? value / 2 : value.nextDown)
                candidates.append((threshold, observed))
            }
            if currentObserved.isNaN { currentObserved = observed }
        }
        let normaliser = correctScore - inactiveScore
        func metric(_ observed: Double) -> Double { (observed - inactiveScore) / normaliser }
        let finite = candidates.filter { $0.threshold.isFinite }
        guard let best = finite.map({ metric($0.observed) }).max() else { return nil }
        let tolerance = 1e-12
        guard best > metric(currentObserved) + tolerance else { return nil }
        return finite.filter { metric($0.observed) >= best - tolerance }
            .min { abs($0.threshold - current) < abs($1.threshold - current) }?.threshold
    }

    /// The observed score with `scoringClass` off for every record, and per record the change in its
    /// score when that class is switched on, the other classes' decisions as they are.
    private func switchGains(of scoringClass: Int) -> (base: Double, gains: [Double]) {
        var gains = [Double](repeating: 0, count: recordCount)
        var base = 0.0
        labels.withUnsafeBufferPointer { labels in
            outputs.withUnsafeBufferPointer { outputs in
                labelWeights.withUnsafeBufferPointer { weights in
                    for record in 0..<recordCount {
                        let row = record * classCount
                        var sum = 0.0
                        var active = 0
                        for other in 0..<classCount where other != scoringClass {
                            if outputs[row + other] { sum += weights[row + other] }
                            if outputs[row + other] || labels[row + other] { active += 1 }
                        }
                        let labelled = labels[row + scoringClass]
                        let off = sum / Double(max(active + (labelled ? 1 : 0), 1))
                        let on = (sum + weights[row + scoringClass]) / Double(active + 1)
                        base += off
                        gains[record] = on - off
                    }
                }
            }
        }
        return (base, gains)
    }

    /// Σ_j labels[r, j] · weights[j, k] for every record r and output class k.
    private static func labelWeights(labels: [Bool], weights: [Double], recordCount: Int, classCount: Int) -> [Double] {
        var sums = [Double](repeating: 0, count: recordCount * classCount)
        labels.withUnsafeBufferPointer { labels in
            weights.withUnsafeBufferPointer { weights in
                sums.withUnsafeMutableBufferPointer { sums in
                    for record in 0..<recordCount {
                        let row = record * classCount
                        for labelClass in 0..<classCount where labels[row + labelClass] {
                            for outputClass in 0..<classCount {
                                sums[row + outputClass] += weights[labelClass * classCount + outputClass]
                            }
                        }
                    }
                }
            }
        }
        return sums
    }

    /// One record's contribution to the metric's weighted score for the given outputs.
    private static func recordScore(labels: [Bool], outputs: [Bool], labelWeights: [Double], record: Int) -> Double {
        let classCount = labels.count
        var sum = 0.0
        var active = 0
        for outputClass in 0..<classCount {
            if outputs[outputClass] { sum += labelWeights[record * classCount + outputClass] }
            if outputs[outputClass] || labels[outputClass] { active += 1 }
        }
        return sum / Double(max(active, 1))
    }
}

/// The outcome of tuning decision thresholds: the thresholds and the Challenge metric on the tuning data
/// before (every class at the initial threshold) and after, both computed by the official scorer's rules.
public struct ThresholdTuningResult: Sendable, Equatable {
    /// The tuned threshold of every output class.
    public let thresholds: DecisionThresholds
    /// The Challenge metric with every class at the initial threshold.
    public let initialMetric: Double
    /// The Challenge metric with the tuned thresholds; never below `initialMetric`.
    public let tunedMetric: Double
    /// Passes over the classes that were run (the last one changed nothing unless the limit was reached).
    public let sweeps: Int
}
