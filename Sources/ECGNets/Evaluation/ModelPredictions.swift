/// A model's probabilities and the targets of the same samples, `[samples × output classes]` row-major,
/// checked for shape once so that scoring, threshold tuning and output writing can rely on it.
public struct ModelPredictions: Sendable {
    /// The output classes (columns), in output order.
    public let classes: ChallengeClasses
    /// `count × classes.count` probabilities.
    public let probabilities: [Float]
    /// `count × classes.count` targets; a target above 0.5 marks the class present.
    public let targets: [Float]

    /// Wraps `probabilities` and `targets`, which must both hold `samples × classes.count` values.
    public init(probabilities: [Float], targets: [Float], classes: ChallengeClasses = .challenge2020)
        throws(EvaluationInputError) {
        let columns = classes.count
        guard columns > 0, probabilities.count == targets.count, probabilities.count % columns == 0 else {
            throw .shapeMismatch(probabilities: probabilities.count, targets: targets.count, classes: columns)
        }
        self.classes = classes
        self.probabilities = probabilities
        self.targets = targets
    }

    /// Number of samples.
    public var count: Int { probabilities.count / classes.count }

    /// The probabilities of sample `sample`, one per output class, as Doubles (the scorer's precision).
    public func probabilities(ofSample sample: Int) -> [Double] {
        let row = sample * classes.count
        return probabilities[row..<(row + classes.count)].map(Double.init)
    }

    /// The SNOMED-CT codes whose target is set for sample `sample`.
    public func positiveCodes(ofSample sample: Int) -> [String] {
        let row = sample * classes.count
        return classes.codes.indices.filter { targets[row + $0] > 0.5 }.map { classes.codes[$0] }
    }

    /// The samples as the official scorer sees them over `scoring`: labels from the target codes, decisions
    /// from `thresholds`, equivalent columns merged (see `ScoringClasses.outputs`); record ids
    /// `sample-<n>` unless `recordIDs` (one per sample) are given.
    public func scoringRecords(thresholds: DecisionThresholds, scoring: ScoringClasses? = nil,
                               recordIDs: [String]? = nil) throws(EvaluationInputError) -> ScoringRecords {
        try checkMatches(thresholds)
        if let recordIDs, recordIDs.count != count {
            throw .recordIDCountMismatch(samples: count, recordIDs: recordIDs.count)
        }
        let scoring = scoring ?? classes.scoring
        var records = ScoringRecords(classes: scoring)
        for sample in 0..<count {
            let probabilities = probabilities(ofSample: sample)
            let outputs = scoring.outputs(columnCodes: classes.codes, binary: thresholds.decisions(probabilities),
                                          probabilities: probabilities)
            records.appendMatchingClasses(recordID: recordIDs?[sample] ?? "sample-\(sample)",
                                          labels: scoring.labels(forDxCodes: positiveCodes(ofSample: sample)),
                                          binaryOutputs: outputs.binary, scalarOutputs: outputs.probabilities)
        }
        return records
    }

    /// One Challenge output file's contents per sample (`#record_id`, codes, decisions from `thresholds`,
    /// probabilities), ready for `ChallengeOutputWriter`.
    public func challengeOutputs(recordIDs: [String], thresholds: DecisionThresholds)
        throws(EvaluationInputError) -> [ChallengeOutput] {
        try checkMatches(thresholds)
        guard recordIDs.count == count else {
            throw .recordIDCountMismatch(samples: count, recordIDs: recordIDs.count)
        }
        return recordIDs.enumerated().map { sample, recordID in
            let probabilities = probabilities(ofSample: sample)
            return ChallengeOutput(recordID: recordID, classes: classes,
                                   binaryOutputs: thresholds.decisions(probabilities), probabilities: probabilities)
        }
    }

    /// Checks that `thresholds` are for these output classes in this order.
    func checkMatches(_ thresholds: DecisionThresholds) throws(EvaluationInputError) {
        guard thresholds.codes == classes.codes else {
            throw .thresholdClassesMismatch(expected: classes.codes, found: thresholds.codes)
        }
    }
}
