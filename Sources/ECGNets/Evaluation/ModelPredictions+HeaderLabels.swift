extension ModelPredictions {
    /// The samples, one per entry of `records`, as the official scorer sees them when it reads the records'
    /// headers: labels from all of a record's Dx codes (unscored ones included), decisions from `thresholds`,
    /// output columns merged over `scoring` (see `ScoringClasses.outputs`), the record ids as ids. Unlike
    /// `scoringRecords(thresholds:scoring:recordIDs:)`, which labels from the target columns, this gives the
    /// labels `ChallengeDirectoryEvaluation` reads for every Challenge year, also where a year splits codes
    /// the targets merge.
    public func scoringRecords(thresholds: DecisionThresholds, scoring: ScoringClasses,
                               records: [ECGDatasetRecord]) throws(EvaluationInputError) -> ScoringRecords {
        try checkMatches(thresholds)
        guard records.count == count else {
            throw .recordIDCountMismatch(samples: count, recordIDs: records.count)
        }
        var scoringRecords = ScoringRecords(classes: scoring)
        for (sample, record) in records.enumerated() {
            let probabilities = probabilities(ofSample: sample)
            let outputs = scoring.outputs(columnCodes: classes.codes, binary: thresholds.decisions(probabilities),
                                          probabilities: probabilities)
            scoringRecords.appendMatchingClasses(recordID: record.id, labels: scoring.labels(forDxCodes: record.dxCodes),
                                                 binaryOutputs: outputs.binary, scalarOutputs: outputs.probabilities)
        }
        return scoringRecords
    }
}
