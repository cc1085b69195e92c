import DistTensor
import Foundation

/// Scores samples with every rank taking a contiguous share of whole batches, and gathers the probabilities
/// at rank 0 in the order the samples were given, so the result does not depend on the number of ranks.
///
/// Every rank first takes rank 0's BatchNorm running statistics. With local BatchNorm each rank's running
/// statistics follow its own share of the batches, so without this a rank's share would be scored by a network
/// no checkpoint holds (checkpoints store rank 0's), and a resumed job, whose ranks all start from rank 0's,
/// would score differently from an uninterrupted one. PyTorch's DistributedDataParallel broadcasts buffers from
/// rank 0 before each forward for the same reason; training never reads running statistics, so it is unaffected.
public enum DistributedEvaluation {
    /// The model's probabilities and the targets `[samples × classes]` for `indices` of `source`, at
    /// rank 0 (nil on the other ranks). Evaluation mode: running BatchNorm statistics, no dropout.
    /// `progress`, if given, is called on every rank after each batch of its share (see `score`).
    public static func gather(model: any ECGModel, source: SampleSource, indices: [Int], group: ProcessGroup,
                              batchSize: Int, softmax: Bool = false,
                              progress: ((_ done: Int, _ shareCount: Int) -> Void)? = nil)
        throws -> (probabilities: [Float], targets: [Float])? {
        try group.broadcast(model.parameters.buffers, root: 0)
        let share = self.share(of: indices, rank: group.rank, size: group.size, batchSize: batchSize)
        let (probabilities, targets) = try score(model: model, source: source, indices: share, batchSize: batchSize,
                                                 softmax: softmax, progress: progress)
        let allProbabilities = try group.gather(probabilities, root: 0)
        let allTargets = try group.gather(targets, root: 0)
        return group.rank == 0 ? (allProbabilities, allTargets) : nil
    }

    /// The contiguous part of `indices` that rank `rank` of `size` scores in batches of `batchSize`: whole
    /// batches (the last one may be short), split as evenly as possible over the ranks. Every sample is then
    /// scored in the same batch at the same position whatever the number of ranks, so the results are
    /// bit-identical across world sizes (a sample's logits depend on its place in a batch in the last bits).
    public static func share(of indices: [Int], rank: Int, size: Int, batchSize: Int) -> [Int] {
        let batch = max(1, batchSize)
        let batches = (indices.count + batch - 1) / batch
        let start = min(indices.count, batches * rank / size * batch)
        let end = min(indices.count, batches * (rank + 1) / size * batch)
        return Array(indices[start..<end])
    }

    /// This process's probabilities and targets `[samples × classes]` for `indices` of `source`, in batches of
    /// `batchSize` (evaluation mode); `progress(done, indices.count)` is called after each batch. Probabilities are
    /// each output's sigmoid (multi-label), or with `softmax` the softmax over a sample's outputs (single-label).
    public static func score(model: any ECGModel, source: SampleSource, indices: [Int], batchSize: Int,
                             softmax: Bool = false, progress: ((_ done: Int, _ count: Int) -> Void)? = nil)
        throws -> (probabilities: [Float], targets: [Float]) {
        let (leads, length, classes) = (source.leads, source.length, source.classes)
        var probabilities: [Float] = []
        var targets: [Float] = []
        probabilities.reserveCapacity(indices.count * classes)
        targets.reserveCapacity(indices.count * classes)
        for start in stride(from: 0, to: indices.count, by: max(1, batchSize)) {
            let batch = indices[start..<min(start + max(1, batchSize), indices.count)]
            let signals = Tensor(zeros: [batch.count, leads, length])
            let batchTargets = Tensor(zeros: [batch.count, classes])
            for (n, index) in batch.enumerated() {
                try source.fill(index, epoch: 0, signal: signals.base + n * leads * length, target: batchTargets.base + n * classes)
            }
            let logits = model.forward(signals, training: false)
            if softmax {
                let values = logits.array
                for row in stride(from: 0, to: values.count, by: classes) {
                    let slice = values[row ..< row + classes]
                    let maximum = slice.max() ?? 0
                    let exponentials = slice.map { exp(Double($0 - maximum)) }
                    let sum = exponentials.reduce(0, +)
                    probabilities += exponentials.map { Float($0 / sum) }
                }
            } else {
                probabilities += logits.array.map { 1 / (1 + exp(-$0)) }
            }
            targets += batchTargets.array
            progress?(start + batch.count, indices.count)
        }
        return (probabilities, targets)
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
