import ECGNets
import Foundation
import Testing

/// Predictions written as Challenge output files score, through the directory scorer, exactly as the
/// arrays they came from.
@Suite struct PredictionOutputTests {
    @Test func writtenOutputsScoreLikeTheArrays() throws {
        let (reference, recordIDs) = try EvaluationTestData.referencePredictions()
        // Model-like probabilities (Float, as a network gives them), tuned thresholds.
        let random = try EvaluationTestData.randomPredictions(count: reference.count, seed: 3)
        let predictions = try ModelPredictions(probabilities: random.probabilities, targets: reference.targets)
        let thresholds = try ThresholdTuner().tune(predictions).thresholds
        let directory = try ChallengeFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for output in try predictions.challengeOutputs(recordIDs: recordIDs, thresholds: thresholds) {
            try ChallengeOutputWriter.write(output, into: directory)
        }

        let first = try ChallengeOutputReader.read(contentsOf: directory.appendingPathComponent("R0000.csv"))
        #expect(first.recordID == "R0000")
        #expect(first.classCodes == ChallengeClasses.challenge2020.codes)
        #expect(first.probabilities == predictions.probabilities(ofSample: 0))
        #expect(first.binaryOutputs == zip(first.probabilities, thresholds.values).map { $0 > $1 })

        let fromFiles = try ChallengeDirectoryEvaluation(
            labelDirectory: ChallengeFixtures.reference.appendingPathComponent("labels"), outputDirectory: directory)
        let fromArrays = try DistributedEvaluation.challengeScores(
            probabilities: predictions.probabilities, targets: predictions.targets, thresholds: thresholds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(fromFiles.scores) == encoder.encode(fromArrays))
        #expect(fromFiles.scores.challengeMetric == fromArrays.challengeMetric)
        #expect(throws: EvaluationInputError.recordIDCountMismatch(samples: 240, recordIDs: 1)) {
            _ = try predictions.challengeOutputs(recordIDs: ["R0000"], thresholds: thresholds)
        }
    }
}
