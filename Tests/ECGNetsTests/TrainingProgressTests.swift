import ECGNets
import Foundation
import Testing

/// Early stopping and the training history.
@Suite struct TrainingProgressTests {
    /// Patience 3, minimum improvement 0.01: 0.505 does not beat 0.5 by enough, 0.52 does; three more
    /// validations without beating 0.53 stop the run, with validation 2 the best.
    @Test func earlyStoppingWaitsForPatience() throws {
        var stopping = try EarlyStopping(patience: 3, minimumDelta: 0.01)
        let metrics = [0.5, 0.505, 0.52, .nan, 0.525, 0.529]
        var improvements: [Bool] = []
        var stops: [Bool] = []
        for metric in metrics {
            improvements.append(stopping.record(metric: metric))
            stops.append(stopping.shouldStop)
        }
        #expect(improvements == [true, false, true, false, false, false])
        #expect(stops == [false, false, false, false, false, true])
        #expect(stopping.bestValidation == 2)
        #expect(stopping.bestMetric == 0.52)
        #expect(stopping.validations == 6)
    }

    /// State read back from JSON continues identically.
    @Test func earlyStoppingResumesFromJSON() throws {
        var stopping = try EarlyStopping(patience: 2)
        stopping.record(metric: 0.3)
        stopping.record(metric: 0.2)
        var resumed = try JSONDecoder().decode(EarlyStopping.self, from: JSONEncoder().encode(stopping))
        #expect(resumed == stopping)
        #expect(!resumed.shouldStop)
        resumed.record(metric: 0.25)
        #expect(resumed.shouldStop && resumed.bestValidation == 0)
        #expect(throws: EarlyStoppingError.invalidPatience(0)) { _ = try EarlyStopping(patience: 0) }
    }

    /// Scores with a class that has no positives (NaN per-class values).
    private func scoresWithUndefinedClass(seed: UInt64) throws -> ChallengeScores {
        let predictions = try EvaluationTestData.randomPredictions(count: 30, seed: seed)
        let scores = try DistributedEvaluation.challengeScores(probabilities: predictions.probabilities,
                                                               targets: predictions.targets)
        #expect(scores.aurocPerClass.contains { $0.isNaN })
        return scores
    }

    /// A history with NaN values survives JSON unchanged, encodes to the same bytes twice, and writes NaN
    /// as null under the documented names.
    @Test func historyRoundTripsThroughJSON() throws {
        var history = TrainingHistory()
        history.append(TrainingHistoryEntry(epoch: 1, globalStep: 32, meanTrainingLoss: 0.41, learningRate: 1e-3,
                                            scores: try scoresWithUndefinedClass(seed: 1)))
        history.append(TrainingHistoryEntry(epoch: 2, globalStep: 64, meanTrainingLoss: 0.35, learningRate: 5e-4,
                                            scores: try scoresWithUndefinedClass(seed: 2), tunedChallengeMetric: 0.6))
        let data = try history.jsonData()
        #expect(try history.jsonData() == data)
        let decoded = try TrainingHistory(jsonData: data, source: "history.json")
        #expect(decoded == history)
        #expect(try decoded.jsonData() == data)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let entries = try #require(object["entries"] as? [[String: Any]])
        #expect(entries.count == 2)
        #expect(entries[1]["global_step"] as? Int == 64)
        #expect(entries[1]["tuned_challenge_metric"] as? Double == 0.6)
        #expect(entries[0]["tuned_challenge_metric"] == nil)
        let perClass = try #require(entries[0]["per_class"] as? [String: [String: Any]])
        #expect(perClass.count == 24)
        #expect(perClass.values.contains { $0["auroc"] is NSNull })
        #expect(throws: TrainingHistoryError.self) {
            _ = try TrainingHistory(jsonData: Data("{}".utf8), source: "broken.json")
        }
    }
}
