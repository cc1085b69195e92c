import DistTensor
import ECGNets
import Foundation
import Testing

@Suite struct DistributedEvaluationTests {
    /// Probabilities that rank every positive above every negative score AUROC 1; thresholded at 0.5 they
    /// are all correct, so the Challenge metric is 1 too.
    @Test func perfectProbabilitiesScoreOne() throws {
        let classes = ChallengeClasses.challenge2020.count
        var random = RandomStream(seed: 4)
        let targets = (0..<(40 * classes)).map { _ in Float(random.nextUniform() < 0.2 ? 1 : 0) }
        let probabilities = targets.map { $0 > 0 ? Float(0.9) : 0.1 }
        let scores = try DistributedEvaluation.challengeScores(probabilities: probabilities, targets: targets)
        #expect(abs(scores.auroc - 1) < 1e-12)
        #expect(abs(scores.challengeMetric - 1) < 1e-12)
    }

    /// Reversed probabilities rank every negative first: AUROC 0.
    @Test func reversedProbabilitiesScoreZeroAUROC() throws {
        let classes = ChallengeClasses.challenge2020.count
        let targets = (0..<(30 * classes)).map { Float(($0 / classes + $0 % classes) % 3 == 0 ? 1 : 0) }
        let scores = try DistributedEvaluation.challengeScores(probabilities: targets.map { 1 - $0 }, targets: targets)
        #expect(abs(scores.auroc) < 1e-12)
    }

    /// In a world of one the gathered probabilities are the model's sigmoid outputs in sample order.
    @Test func gatherKeepsSampleOrder() throws {
        let model = ResNet1D(ResNet1DConfiguration(depth: .init(blocksPerStage: [1, 1]), widths: [4, 8], dropout: 0), seed: 1)
        let source = SyntheticRhythmTask(count: 10, length: 128, seed: 1)
        let indices = [7, 2, 9, 0, 4]
        let gathered = try #require(try DistributedEvaluation.gather(model: model, source: source, indices: indices,
                                                                     group: SingleProcessGroup(), batchSize: 2))
        let (signals, targets) = source.batch(indices)
        let logits = model.forward(signals, training: false).array
        #expect(gathered.targets == targets.array)
        for (p, z) in zip(gathered.probabilities, logits) { #expect(abs(p - 1 / (1 + exp(-z))) < 1e-6) }
    }
}
