import ECGNets
import Testing

/// The metric implementations against independent formulas and hand-computed cases.
@Suite struct ChallengeMetricsTests {
    private let scoring = ScoringClasses.challenge2020

    /// SplitMix64, so the random cases are the same on every run.
    private struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Random records with scores on a coarse grid, so many tie.
    private func randomRecords(count: Int, seed: UInt64) throws -> ScoringRecords {
        var generator = SplitMix64(state: seed)
        var records = ScoringRecords(classes: scoring)
        for record in 0..<count {
            let labels = (0..<scoring.count).map { _ in Double.random(in: 0..<1, using: &generator) < 0.3 }
            let scores = (0..<scoring.count).map { _ in Double(Int.random(in: 0...10, using: &generator)) / 10 }
            try records.append(recordID: "R\(record)", labels: labels, binaryOutputs: scores.map { $0 >= 0.5 },
                               scalarOutputs: scores)
        }
        return records
    }

    /// AUROC equals the Mann–Whitney probability P(score of a positive > score of a negative) + ½ P(tie),
    /// computed here pair by pair.
    @Test func aurocIsTheMannWhitneyProbability() throws {
        let records = try randomRecords(count: 60, seed: 7)
        let areas = AreaUnderCurves(records)
        for classIndex in 0..<scoring.count {
            let column = (0..<records.count).map { records.scalarOutputs[$0 * scoring.count + classIndex] }
            let labels = (0..<records.count).map { records.labels[$0 * scoring.count + classIndex] }
            var wins = 0.0
            var pairs = 0.0
            for positive in column.indices where labels[positive] {
                for negative in column.indices where !labels[negative] {
                    pairs += 1
                    wins += column[positive] > column[negative] ? 1 : (column[positive] == column[negative] ? 0.5 : 0)
                }
            }
            #expect(pairs > 0)
            #expect(abs(areas.perClassAUROC[classIndex] - wins / pairs) < 1e-12, "class \(classIndex)")
        }
    }

    /// AUPRC equals average precision: the mean over positives of the precision among records scoring at
    /// least as high, computed here record by record.
    @Test func auprcIsTheAveragePrecision() throws {
        let records = try randomRecords(count: 60, seed: 11)
        let areas = AreaUnderCurves(records)
        for classIndex in 0..<scoring.count {
            let column = (0..<records.count).map { records.scalarOutputs[$0 * scoring.count + classIndex] }
            let labels = (0..<records.count).map { records.labels[$0 * scoring.count + classIndex] }
            var precisions: [Double] = []
            for positive in column.indices where labels[positive] {
                let above = column.indices.filter { column[$0] >= column[positive] }
                precisions.append(Double(above.filter { labels[$0] }.count) / Double(above.count))
            }
            let averagePrecision = precisions.reduce(0, +) / Double(precisions.count)
            #expect(abs(areas.perClassAUPRC[classIndex] - averagePrecision) < 1e-12, "class \(classIndex)")
        }
    }

    /// A class without positive labels has NaN AUROC and AUPRC, left out of the macro average.
    @Test func classWithoutPositivesIsNaNAndSkipped() throws {
        var records = ScoringRecords(classes: scoring)
        var labels = [Bool](repeating: false, count: scoring.count)
        labels[0] = true
        try records.append(recordID: "A", labels: labels, binaryOutputs: labels,
                           scalarOutputs: [Double](repeating: 0.9, count: scoring.count))
        try records.append(recordID: "B", labels: [Bool](repeating: false, count: scoring.count),
                           binaryOutputs: [Bool](repeating: false, count: scoring.count),
                           scalarOutputs: [Double](repeating: 0.1, count: scoring.count))
        let areas = AreaUnderCurves(records)
        #expect(areas.perClassAUROC[0] == 1 && areas.perClassAUPRC[0] == 1)
        #expect(areas.perClassAUROC.dropFirst().allSatisfy { $0.isNaN })
        #expect(areas.macroAUROC == 1 && areas.macroAUPRC == 1)
    }

    /// Accuracy, F-measure, F-beta and G-beta on three records worked out by hand.
    @Test func confusionMeasuresByHand() throws {
        // Class 0: labels 1,1,0 outputs 1,0,1 → TP 1, FP 1, FN 1.  Class 1: labels 0,1,0 outputs 0,1,0.
        // Every other class: no labels, no outputs → NaN, skipped.
        func row(_ first: Bool, _ second: Bool) -> [Bool] {
            [first, second] + [Bool](repeating: false, count: scoring.count - 2)
        }
        var records = ScoringRecords(classes: scoring)
        let zeros = [Double](repeating: 0, count: scoring.count)
        try records.append(recordID: "1", labels: row(true, false), binaryOutputs: row(true, false), scalarOutputs: zeros)
        try records.append(recordID: "2", labels: row(true, true), binaryOutputs: row(false, true), scalarOutputs: zeros)
        try records.append(recordID: "3", labels: row(false, false), binaryOutputs: row(true, false), scalarOutputs: zeros)
        let measures = ConfusionMeasures(records, beta: 2)
        #expect(measures.accuracy == 1.0 / 3.0)
        #expect(measures.perClassFMeasure[0] == 0.5)  // 2·1 / (2·1 + 1 + 1)
        #expect(measures.perClassFMeasure[1] == 1)
        #expect(measures.perClassFMeasure.dropFirst(2).allSatisfy { $0.isNaN })
        #expect(measures.macroFMeasure == 0.75)
        // Record 2 has two labels, so it counts ½: class 0 TP 1, FP 1, FN ½; class 1 TP ½.
        #expect(abs(measures.perClassFBeta[0] - 5.0 / (5.0 + 1 + 4 * 0.5)) < 1e-15)
        #expect(abs(measures.perClassGBeta[0] - 1.0 / (1 + 1 + 2 * 0.5)) < 1e-15)
        #expect(measures.perClassFBeta[1] == 1 && measures.perClassGBeta[1] == 1)
    }

    /// The Challenge metric is 1 for outputs equal to the labels and 0 for the always-normal classifier.
    @Test func challengeMetricIsNormalisedByCorrectAndInactiveOutputs() throws {
        let random = try randomRecords(count: 40, seed: 3)
        var perfect = ScoringRecords(classes: scoring)
        var inactive = ScoringRecords(classes: scoring)
        for record in 0..<random.count {
            let labels = Array(random.labels[record * scoring.count..<(record + 1) * scoring.count])
            let normalOnly = (0..<scoring.count).map { $0 == scoring.normalIndex }
            let scores = [Double](repeating: 0.5, count: scoring.count)
            try perfect.append(recordID: "\(record)", labels: labels, binaryOutputs: labels, scalarOutputs: scores)
            try inactive.append(recordID: "\(record)", labels: labels, binaryOutputs: normalOnly, scalarOutputs: scores)
        }
        #expect(abs(ChallengeMetric(perfect).normalizedScore - 1) < 1e-12)
        #expect(ChallengeMetric(inactive).normalizedScore == 0)
        let metric = ChallengeMetric(random)
        #expect(metric.normalizedScore < 1)
        #expect(metric.correctScore > metric.inactiveScore)
    }

    /// One normal-only record, output AF only: by hand, observed = w(NSR, AF) / 2, correct = 1, inactive = 1,
    /// so correct equals inactive and the metric is defined as 0.
    @Test func challengeMetricByHand() throws {
        let af = try #require(scoring.index(of: "164889003"))
        var records = ScoringRecords(classes: scoring)
        let labels = (0..<scoring.count).map { $0 == scoring.normalIndex }
        let outputs = (0..<scoring.count).map { $0 == af }
        try records.append(recordID: "N", labels: labels, binaryOutputs: outputs,
                           scalarOutputs: [Double](repeating: 0, count: scoring.count))
        let metric = ChallengeMetric(records)
        #expect(metric.observedScore == scoring.weight(label: try #require(scoring.normalIndex), output: af) / 2)
        #expect(metric.correctScore == 1 && metric.inactiveScore == 1)
        #expect(metric.normalizedScore == 0)
    }

    /// Records of the wrong width are refused with a message naming the record; NaN probabilities count as 0.
    @Test func recordsAreValidated() throws {
        var records = ScoringRecords(classes: scoring)
        #expect(throws: ScoringError.classCountMismatch(recordID: "X", expected: 24, labels: 27, binaryOutputs: 24,
                                                        scalarOutputs: 24)) {
            try records.append(recordID: "X", labels: [Bool](repeating: false, count: 27),
                               binaryOutputs: [Bool](repeating: false, count: 24),
                               scalarOutputs: [Double](repeating: 0, count: 24))
        }
        try records.append(recordID: "Y", labels: [Bool](repeating: false, count: 24),
                           binaryOutputs: [Bool](repeating: false, count: 24),
                           scalarOutputs: [Double](repeating: .nan, count: 24))
        #expect(records.count == 1)
        #expect(records.scalarOutputs.allSatisfy { $0 == 0 })
    }
}
