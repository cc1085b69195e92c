import Foundation

/// Scores a directory of label headers against a directory of Challenge output files the way the
/// official 2020 scorer does, keeping what was set aside on the way so it can be reported.
public struct ChallengeDirectoryEvaluation: Sendable {
    /// The records' labels and merged outputs, in the order of the label file names.
    public let records: ScoringRecords
    /// Every number the official scorer reports.
    public let scores: ChallengeScores
    /// With `.official` parsing, the output files with formatting errors, scored as all-negative.
    public let malformedOutputs: [ChallengeFormatError]
    /// Output column codes that name no scoring class, with the number of files they appear in.
    public let ignoredOutputCodes: [String: Int]

    /// Pairs, reads and scores every record of `labelDirectory`. With `.strict` parsing a malformed output
    /// file or a `#record` line naming another record is an error; with `.official` parsing those are
    /// handled as the official scorer handles them (formatting errors: all outputs negative).
    public init(labelDirectory: URL, outputDirectory: URL, classes: ScoringClasses = .challenge2020,
                parsing: ChallengeOutputParsing = .strict) throws(ChallengeFormatError) {
        var records = ScoringRecords(classes: classes)
        var malformed: [ChallengeFormatError] = []
        var ignored: [String: Int] = [:]
        for pair in try ChallengeFilePair.find(labelDirectory: labelDirectory, outputDirectory: outputDirectory) {
            let labels = classes.labels(forDxCodes: try HeaderDxLabels.read(contentsOf: pair.labelFile))
            let outputs: ClassOutputs
            do throws(ChallengeFormatError) {
                let output = try ChallengeOutputReader.read(contentsOf: pair.outputFile, parsing: parsing)
                if parsing == .strict, let recordID = output.recordID, recordID != pair.record {
                    throw .recordIDMismatch(file: pair.outputFile.path, found: recordID,
                                            expected: pair.record)
                }
                outputs = output.merged(onto: classes)
            } catch .malformedOutput(let file, let reason) where parsing == .official {
                malformed.append(.malformedOutput(file: file, reason: reason))
                outputs = classes.outputs(columnCodes: [], binary: [], probabilities: [])
            }
            for code in Set(outputs.ignoredCodes) {
                ignored[code, default: 0] += 1
            }
            records.appendMatchingClasses(recordID: pair.record, labels: labels, binaryOutputs: outputs.binary,
                                          scalarOutputs: outputs.probabilities)
        }
        self.records = records
        self.scores = ChallengeScores(records)
        self.malformedOutputs = malformed
        self.ignoredOutputCodes = ignored
    }
}
