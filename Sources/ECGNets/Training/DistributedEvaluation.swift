import DistTensor
import Foundation

/// Scores samples with every rank taking a contiguous share, and gathers the probabilities at rank 0
/// in the order the samples were given, so the result does not depend on the number of ranks.
///
/// Every rank first takes rank 0's BatchNorm running statistics. With local BatchNorm each rank's running
/// statistics follow its own share of the batches, so without this a rank's share would be scored by a network
/// no checkpoint holds (checkpoints store rank 0's), and a resumed job, whose ranks all start from rank 0's,
/// would score differently from an uninterrupted one. PyTorch's DistributedDataParallel broadcasts buffers from
/// rank 0 before each forward for the same reason; training never reads running statistics, so it is unaffected.
public enum DistributedEvaluation {
    /// The model's probabilities and the targets `[samples × classes]` for `indices` of `source`, at
    /// rank 0 (nil on the other ranks). Evaluation mode: running BatchNorm statistics, no dropout.
    public static func gather(model: ResNet1D, source: SampleSource, indices: [Int], group: ProcessGroup,
                              batchSize: Int) throws -> (probabilities: [Float], targets: [Float])? {
        try group.broadcast(model.parameters.buffers, root: 0)
        let share = Array(indices[(indices.count * group.rank / group.size)..<(indices.count * (group.rank + 1) / group.size)])
        let (leads, length, classes) = (source.leads, source.length, source.classes)
        var probabilities: [Float] = []
        var targets: [Float] = []
        probabilities.reserveCapacity(share.count * classes)
        for start in stride(from: 0, to: share.count, by: batchSize) {
            let batch = share[start..<min(start + batchSize, share.count)]
            let signals = Tensor(zeros: [batch.count, leads, length])
            let batchTargets = Tensor(zeros: [batch.count, classes])
            for (n, index) in batch.enumerated() {
                try source.fill(index, epoch: 0, signal: signals.base + n * leads * length, target: batchTargets.base + n * classes)
            }
            let logits = model.forward(signals, training: false)
            probabilities += logits.array.map { 1 / (1 + exp(-$0)) }
            targets += batchTargets.array
        }
        let allProbabilities = try group.gather(probabilities, root: 0)
        let allTargets = try group.gather(targets, root: 0)
        return group.rank == 0 ? (allProbabilities, allTargets) : nil
    }

    /// The official 2020 Challenge scores of probabilities over the 27 scored classes (in
    /// `ChallengeClasses.challenge2020` order), with outputs thresholded at `threshold`.
    public static func challengeScores(probabilities: [Float], targets: [Float], threshold: Float = 0.5)
        throws(EvaluationInputError) -> ChallengeScores {
        try challengeScores(probabilities: probabilities, targets: targets,
                            thresholds: DecisionThresholds(uniform: Double(threshold)))
    }

    /// The official 2020 Challenge scores of probabilities over the 27 scored classes, each class called
    /// positive above its own threshold (e.g. tuned by `ThresholdTuner` on validation data).
    public static func challengeScores(probabilities: [Float], targets: [Float], thresholds: DecisionThresholds)
        throws(EvaluationInputError) -> ChallengeScores {
        let predictions = try ModelPredictions(probabilities: probabilities, targets: targets)
        return ChallengeScores(try predictions.scoringRecords(thresholds: thresholds))
    }
}
