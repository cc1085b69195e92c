import DistTensor
import Foundation

/// One validation during training: every rank scores its share of the validation split, rank 0 computes the
/// official Challenge scores at 0.5, tunes the per-class thresholds on them and prints one line, and every rank
/// learns the tuned Challenge metric, which drives the best checkpoint, the plateau schedule and early stopping.
///
/// The tuned metric is the one a checkpoint's stored thresholds reach on the validation split; it is never below
/// the metric at 0.5 (see `ThresholdTuner`).
struct ValidationRound {
    /// Tuned Challenge metric, the same on every rank.
    let metric: Double
    /// Rank 0 only: the scores at 0.5 and the tuning.
    let scores: ChallengeScores?
    let tuning: ThresholdTuningResult?

    static func run(model: any ECGModel, source: ECGDatasetSamples, group: ProcessGroup, batchSize: Int) throws -> ValidationRound {
        let gathered = try DistributedEvaluation.gather(model: model, source: source, indices: Array(0..<source.count),
                                                        group: group, batchSize: batchSize)
        var scores: ChallengeScores?
        var tuning: ThresholdTuningResult?
        let metric = try group.decidedByRankZero(what: "could not score the validation split") { () throws -> Double in
            guard let (probabilities, targets) = gathered else { return .nan }
            let predictions = try ModelPredictions(probabilities: probabilities, targets: targets)
            scores = try DistributedEvaluation.challengeScores(probabilities: probabilities, targets: targets)
            let tuned = try ThresholdTuner().tune(predictions)
            tuning = tuned
            return tuned.tunedMetric
        }
        return ValidationRound(metric: metric, scores: scores, tuning: tuning)
    }

    /// Rank 0's line about this validation.
    func summary(epoch: Int, step: Int, records: Int) -> String {
        guard let scores, let tuning else { return "" }
        return "validation after epoch \(epoch) (step \(step), \(records) records): AUROC \(Self.format(scores.auroc))  "
            + "AUPRC \(Self.format(scores.auprc))  F-measure \(Self.format(scores.fMeasure))  "
            + "Challenge metric \(Self.format(scores.challengeMetric)) at 0.5, \(Self.format(tuning.tunedMetric)) with tuned thresholds"
    }

    /// Three decimals, or n/a for an undefined metric.
    static func format(_ value: Double) -> String { value.isNaN ? "n/a" : String(format: "%.3f", value) }
}
