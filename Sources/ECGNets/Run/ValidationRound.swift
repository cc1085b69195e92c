import DistTensor
import Foundation

/// One validation during training: every rank scores its share of the validation split, rank 0 computes the
/// task's scores and prints one line, and every rank learns the selected metric, which drives the best
/// checkpoint, the plateau schedule and early stopping.
///
/// Multi-label: the official Challenge scores at 0.5 and the per-class thresholds tuned on them (the tuned
/// metric is never below the metric at 0.5, see `ThresholdTuner`); a class list without Challenge weights gets the
/// scores at 0.5 without a Challenge metric or tuning, and is selected by macro AUROC. Single-label: the predicted class is the
/// largest output, scored by `SingleLabelScores` (confusion matrix, F1s, CinC 2017 score); no thresholds.
struct ValidationRound {
    /// The selected metric, the same on every rank.
    let metric: Double
    /// Rank 0 only, multi-label: the scores at 0.5 and the tuning.
    let scores: ChallengeScores?
    let tuning: ThresholdTuningResult?
    /// Rank 0 only, single-label: the scores.
    let singleLabel: SingleLabelScores?
    let selection: ValidationMetric

    static func run(model: any ECGModel, source: ECGDatasetSamples, group: ProcessGroup, batchSize: Int, task: ECGTask,
                    selection: ValidationMetric) throws -> ValidationRound {
        let gathered = try DistributedEvaluation.gather(model: model, source: source, indices: Array(0..<source.count),
                                                        group: group, batchSize: batchSize,
                                                        softmax: task.labelKind == .singleLabel)
        var scores: ChallengeScores?
        var tuning: ThresholdTuningResult?
        var singleLabel: SingleLabelScores?
        let metric = try group.decidedByRankZero(what: "could not score the validation split") { () throws -> Double in
            guard let (probabilities, targets) = gathered else { return .nan }
            let classCount = task.classes.count
            if task.labelKind == .singleLabel {
                let found = try SingleLabelScores(
                    trueClasses: SingleLabelScores.trueClasses(targets: targets, classCount: classCount),
                    predictedClasses: SingleLabelScores.predictedClasses(outputs: probabilities, classCount: classCount),
                    classes: task.classCodes)
                singleLabel = found
                return selection.value(in: found)
            }
            let classes = task.multiLabelClasses
            let predictions = try ModelPredictions(probabilities: probabilities, targets: targets, classes: classes)
            let atHalf = ChallengeScores(try predictions.scoringRecords(thresholds: DecisionThresholds(uniform: 0.5, classes: classes)))
            scores = atHalf
            // Without Challenge weights there is no metric to tune thresholds for: they stay at 0.5.
            guard classes.scoring.hasWeights else { return atHalf.auroc }
            let tuned = try ThresholdTuner().tune(predictions)
            tuning = tuned
            switch selection {
            case .challenge: return atHalf.challengeMetric
            case .macroAUROC: return atHalf.auroc
            default: return tuned.tunedMetric
            }
        }
        return ValidationRound(metric: metric, scores: scores, tuning: tuning, singleLabel: singleLabel, selection: selection)
    }

    /// Rank 0's line about this validation.
    func summary(epoch: Int, step: Int, records: Int) -> String {
        let head = "validation after epoch \(epoch) (step \(step), \(records) records): "
        if let singleLabel {
            return head + "accuracy \(Self.format(singleLabel.accuracy))  macro F1 \(Self.format(singleLabel.macroF1))"
                + (singleLabel.cinc2017Score.map { "  CinC 2017 score \(Self.format($0))" } ?? "")
                + "; selects by \(selection)"
        }
        guard let scores else { return "" }
        let areas = head + "AUROC \(Self.format(scores.auroc))  AUPRC \(Self.format(scores.auprc))  F-measure \(Self.format(scores.fMeasure))  "
        guard let tuning else {
            return areas + "at 0.5 (\(ScoringClasses.noWeightsReason)); selects by \(selection)"
        }
        return areas + "Challenge metric \(Self.format(scores.challengeMetric)) at 0.5, \(Self.format(tuning.tunedMetric)) with tuned thresholds"
            + (selection == .tunedChallenge ? "" : "; selects by \(selection)")
    }

    /// Three decimals, or n/a for an undefined metric.
    static func format(_ value: Double) -> String { value.isNaN ? "n/a" : String(format: "%.3f", value) }
}
