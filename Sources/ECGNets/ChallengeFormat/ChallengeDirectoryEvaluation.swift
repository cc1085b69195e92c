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
    /// With `.official` parsing, what the strict reading refuses but the official scorer scores: probabilities
    /// outside [0, 1] and scored classes without a column (one message per file).
    public let warnings: [String]
    /// Output column codes that name no scoring class, with the number of files they appear in.
    public let ignoredOutputCodes: [String: Int]

    /// Pairs, reads and scores every record of `labelDirectory`. With `.strict` parsing a malformed output
    /// file, a `#record` line naming another record, a probability outside [0, 1] or a missing scored class
    /// column is an error; with `.official` parsing those are handled as the official scorer handles them
    /// (formatting errors and missing columns: negative; the last two reported in `warnings`).
    public init(labelDirectory: URL, outputDirectory: URL, classes: ScoringClasses = .challenge2020,
                parsing: ChallengeOutputParsing = .strict) throws(ChallengeFormatError) {
        var records = ScoringRecords(classes: classes)
        var malformed: [ChallengeFormatError] = []
        var ignored: [String: Int] = [:]
        var warnings: [String] = []
        // Strict reading reports a missing class column after every file was read, so a malformed file is named first.
        var missingColumns: ChallengeFormatError?
        for pair in try ChallengeFilePair.find(labelDirectory: labelDirectory, outputDirectory: outputDirectory) {
            let labels = classes.labels(forDxCodes: try HeaderDxLabels.read(contentsOf: pair.labelFile))
            let outputs: ClassOutputs
            do throws(ChallengeFormatError) {
                let output = try ChallengeOutputReader.read(contentsOf: pair.outputFile, parsing: parsing)
                if parsing == .strict, let recordID = output.recordID, recordID != pair.record {
                    throw .recordIDMismatch(file: pair.outputFile.path, found: recordID,
                                            expected: pair.record)
                }
                let missing = Self.missingClasses(of: output, in: classes)
                if !missing.isEmpty {
                    if parsing == .strict {
                        missingColumns = missingColumns ?? .missingClassColumns(file: pair.outputFile.path, classes: missing)
                    } else {
                        warnings.append("\(pair.outputFile.path) has no column for the scored class(es) "
                                        + missing.joined(separator: ", ") + "; scored as negative")
                    }
                }
                let outside = output.probabilities.filter { !(0...1).contains($0) && !$0.isNaN }
                if !outside.isEmpty {
                    warnings.append("\(pair.outputFile.path) has \(outside.count) probabilit"
                                    + (outside.count == 1 ? "y" : "ies") + " outside [0, 1] (e.g. \(outside[0])); "
                                    + "scored as written")
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
        if let missingColumns { throw missingColumns }
        self.records = records
        self.scores = ChallengeScores(records)
        self.malformedOutputs = malformed
        self.ignoredOutputCodes = ignored
        self.warnings = warnings
    }

    /// The scored classes (their codes joined by `|`) none of whose codes heads a column of `output`.
    private static func missingClasses(of output: ChallengeOutput, in classes: ScoringClasses) -> [String] {
        let columns = Set(output.classCodes.flatMap {
            classes.splitsEquivalentColumns ? $0.split(separator: "|").map(String.init) : [$0]
        })
        return classes.classes.filter { $0.codes.allSatisfy { !columns.contains($0) } }
            .map { $0.codes.joined(separator: "|") }
    }
}
