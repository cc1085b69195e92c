import DistTensor
import ECGNets
import Foundation
import Testing

/// Per-class threshold tuning on the Challenge metric, checked with the scorer that reproduces the
/// official 2020 numbers.
@Suite struct ThresholdTuningTests {
    /// The official metric of `predictions` at `thresholds` (scorer path, not the tuner's sums).
    private func metric(_ predictions: ModelPredictions, _ thresholds: DecisionThresholds) throws -> Double {
        try DistributedEvaluation.challengeScores(probabilities: predictions.probabilities,
                                                  targets: predictions.targets, thresholds: thresholds).challengeMetric
    }

    /// The columns scored as one class must share a threshold; classes without positives keep 0.5.
    private func expectConsistent(_ thresholds: DecisionThresholds, _ predictions: ModelPredictions) {
        let classes = ChallengeClasses.challenge2020
        for pair in classes.equivalentCodes {
            let values = pair.compactMap { thresholds.threshold(for: $0) }
            #expect(Set(values).count == 1, "equivalent columns \(pair) got thresholds \(values)")
        }
        for (column, code) in classes.codes.enumerated() {
            let scoringIndex = classes.scoring.index(of: code)
            let hasPositive = (0..<predictions.count).contains { sample in
                classes.codes.indices.contains { other in
                    predictions.targets[sample * classes.count + other] > 0.5
                        && classes.scoring.index(of: classes.codes[other]) == scoringIndex
                }
            }
            if !hasPositive { #expect(thresholds.values[column] == 0.5, "class \(code) has no positives") }
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func neverLowersTheMetricOnRandomData(seed: UInt64) throws {
        let predictions = try EvaluationTestData.randomPredictions(count: 300, seed: seed)
        let result = try ThresholdTuner().tune(predictions)
        let atHalf = try metric(predictions, DecisionThresholds(uniform: 0.5))
        #expect(result.initialMetric == atHalf)
        #expect(result.tunedMetric == (try metric(predictions, result.thresholds)))
        #expect(result.tunedMetric >= atHalf)
        expectConsistent(result.thresholds, predictions)
    }

    /// On the official reference outputs the tuned metric is at least, and here above, the metric at 0.5.
    @Test func raisesTheMetricOnTheReferenceOutputs() throws {
        let (predictions, _) = try EvaluationTestData.referencePredictions()
        let result = try ThresholdTuner().tune(predictions)
        let atHalf = try metric(predictions, DecisionThresholds(uniform: 0.5))
        #expect(result.initialMetric == atHalf)
        #expect(result.tunedMetric == (try metric(predictions, result.thresholds)))
        #expect(result.tunedMetric > atHalf, "tuned \(result.tunedMetric) vs \(atHalf) at 0.5")
        expectConsistent(result.thresholds, predictions)
    }

    /// Positives of every class lie in (0.3, 0.4), negatives in [0, 0.2]: only a threshold in the gap
    /// gives exact outputs, which score 1, the metric's maximum for single-label records.
    @Test func findsTheSeparatingThresholds() throws {
        let classes = ChallengeClasses.challenge2020
        var random = RandomStream(seed: 11)
        var probabilities: [Float] = []
        var targets: [Float] = []
        let labelled = ["426783006", "164889003", "59118001", "713426002", "427084000"]
        for sample in 0..<100 {
            let row = classes.encode(dxCodes: [labelled[sample % labelled.count]], equivalents: .ownColumnOnly)
                .trainingTargets
            targets += row
            probabilities += row.map { $0 > 0 ? 0.3 + 0.1 * random.nextUniform() : 0.2 * random.nextUniform() }
        }
        let predictions = try ModelPredictions(probabilities: probabilities, targets: targets)
        let result = try ThresholdTuner().tune(predictions)
        #expect(result.tunedMetric == 1)
        for code in labelled + ["713427006"] {
            let threshold = try #require(result.thresholds.threshold(for: code))
            #expect(threshold > 0.2 && threshold < 0.3, "class \(code): \(threshold)")
        }
        #expect(result.thresholds.threshold(for: "164890007") == 0.5)
    }

    /// With one class free (the others' decisions fixed far from any candidate), coordinate ascent is an
    /// exhaustive search: it must reach the best of every mid-point threshold scored by the official rules.
    @Test func matchesExhaustiveSearchForOneClass() throws {
        let classes = ChallengeClasses.challenge2020
        let free = try #require(classes.index(of: "164889003"))
        var random = RandomStream(seed: 5)
        var probabilities: [Float] = []
        var targets: [Float] = []
        for _ in 0..<80 {
            let codes = [random.nextUniform() < 0.5 ? "426783006" : "427084000"]
                + (random.nextUniform() < 0.3 ? ["164889003"] : [])
            let row = classes.encode(dxCodes: codes).trainingTargets
            targets += row
            probabilities += row.indices.map { column in
                column == free ? Float(Int(random.nextUniform() * 40)) / 40 : (row[column] > 0 ? 1 : 0)
            }
        }
        let predictions = try ModelPredictions(probabilities: probabilities, targets: targets)
        let values = Set((0..<predictions.count).map { Double(probabilities[$0 * classes.count + free]) }).sorted()
        var best = -Double.infinity
        for candidate in [1.0] + zip(values, values.dropFirst()).map({ ($0 + $1) / 2 }) + [-0.5] {
            var columns = [Double](repeating: 0.5, count: classes.count)
            columns[free] = candidate
            best = max(best, try metric(predictions, DecisionThresholds(codes: classes.codes, values: columns)))
        }
        let result = try ThresholdTuner().tune(predictions)
        #expect(abs(result.tunedMetric - best) < 1e-12, "tuned \(result.tunedMetric), exhaustive \(best)")
    }

    /// Arrays of the wrong shape and thresholds for other classes are errors, not traps.
    @Test func rejectsMismatchedInput() throws {
        #expect(throws: EvaluationInputError.shapeMismatch(probabilities: 27, targets: 26, classes: 27)) {
            _ = try ModelPredictions(probabilities: [Float](repeating: 0, count: 27),
                                     targets: [Float](repeating: 0, count: 26))
        }
        #expect(throws: EvaluationInputError.self) {
            _ = try DistributedEvaluation.challengeScores(probabilities: [0.1], targets: [1])
        }
        let predictions = try EvaluationTestData.randomPredictions(count: 4, seed: 1)
        let other = try DecisionThresholds(codes: ["1", "2"], values: [0.5, 0.5])
        #expect(throws: EvaluationInputError.self) { _ = try predictions.scoringRecords(thresholds: other) }
        #expect(throws: EvaluationInputError.nonFiniteThreshold(code: "1", value: .infinity)) {
            _ = try DecisionThresholds(codes: ["1"], values: [.infinity])
        }
    }

    /// Thresholds read back from JSON are the same numbers, bit for bit.
    @Test func thresholdsRoundTripThroughJSON() throws {
        let result = try ThresholdTuner().tune(try EvaluationTestData.randomPredictions(count: 200, seed: 9))
        let decoded = try JSONDecoder().decode(DecisionThresholds.self, from: JSONEncoder().encode(result.thresholds))
        #expect(decoded == result.thresholds)
    }

    /// 1,000 records × 27 classes: prints the time taken and checks it stays far below 10 s.
    @Test func tunesAThousandRecordsQuickly() throws {
        let predictions = try EvaluationTestData.randomPredictions(count: 1000, seed: 42, separation: 0.25)
        let clock = ContinuousClock()
        var result: ThresholdTuningResult?
        let elapsed = try clock.measure { result = try ThresholdTuner().tune(predictions) }
        let tuned = try #require(result)
        print("threshold tuning, 1000 × 27: \(elapsed), \(tuned.sweeps) sweeps, "
              + "metric \(tuned.initialMetric) → \(tuned.tunedMetric)")
        #expect(tuned.tunedMetric >= tuned.initialMetric)
        #expect(elapsed < .seconds(10))
    }
}
