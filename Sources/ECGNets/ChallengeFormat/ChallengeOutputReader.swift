import Foundation

/// Reads the per-record output files of the Challenge: a `#record_id` line, a line of class codes, a line
/// of binary decisions and a line of probabilities, comma-separated, columns in any order.
public enum ChallengeOutputReader {
    /// Reads and parses the output file at `url`.
    public static func read(contentsOf url: URL, parsing: ChallengeOutputParsing = .strict)
        throws(ChallengeFormatError) -> ChallengeOutput {
        try parse(ChallengeTextFile.read(url), file: url.path, parsing: parsing)
    }

    /// Parses the text of an output file (a leading byte order mark dropped); `file` names it in errors. Blank lines and lines starting with
    /// `#` are skipped, as the official scorer skips them; the first line gives the record id if it is such
    /// a comment.
    public static func parse(_ text: String, file: String, parsing: ChallengeOutputParsing = .strict)
        throws(ChallengeFormatError) -> ChallengeOutput {
        var recordID: String?
        var valueLines: [(number: Int, fields: [String])] = []
        for (offset, line) in ChallengeTextFile.lines(ChallengeTextFile.withoutByteOrderMark(text)).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") {
                if offset == 0 {
                    let id = trimmed.dropFirst().trimmingCharacters(in: .whitespaces)
                    recordID = id.isEmpty ? nil : id
                }
            } else if !trimmed.isEmpty {
                let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                valueLines.append((offset + 1, fields))
            }
        }
        try checkLayout(valueLines, file: file, parsing: parsing)
        let (codes, decisions, probabilities) = (valueLines[0], valueLines[1], valueLines[2])
        switch parsing {
        case .strict:
            for (index, code) in codes.fields.enumerated() where code.isEmpty {
                throw .invalidField(file: file, line: codes.number, field: index + 1, value: code,
                                    expected: "a SNOMED-CT class code")
            }
            var binary: [Bool] = []
            for (index, field) in decisions.fields.enumerated() {
                guard let decision = strictDecision(field) else {
                    throw .invalidField(file: file, line: decisions.number, field: index + 1, value: field,
                                        expected: "a binary decision (0 or 1)")
                }
                binary.append(decision)
            }
            var scores: [Double] = []
            for (index, field) in probabilities.fields.enumerated() {
                guard let probability = Double(field), (0...1).contains(probability) else {
                    throw .invalidField(file: file, line: probabilities.number, field: index + 1, value: field,
                                        expected: "a probability between 0 and 1")
                }
                scores.append(probability)
            }
            return ChallengeOutput(recordID: recordID, classCodes: codes.fields, binaryOutputs: binary,
                                   probabilities: scores)
        case .official:
            return ChallengeOutput(recordID: recordID, classCodes: codes.fields,
                                   binaryOutputs: decisions.fields.map { officialPositiveDecisions.contains($0) },
                                   probabilities: probabilities.fields.map { Double($0) ?? 0 })
        }
    }

    /// The decisions the official 2020 scorer counts as positive; anything else is negative there.
    private static let officialPositiveDecisions: Set<String> = ["1", "True", "true", "T", "t"]

    /// The decisions strict parsing accepts as negative.
    private static let strictNegativeDecisions: Set<String> = ["0", "False", "false", "F", "f"]

    private static func strictDecision(_ field: String) -> Bool? {
        if officialPositiveDecisions.contains(field) { return true }
        if strictNegativeDecisions.contains(field) { return false }
        return nil
    }

    /// Checks the official scorer's layout rule (at least three value lines, all with the same number of
    /// fields) and, when strict, that there are exactly three.
    private static func checkLayout(_ lines: [(number: Int, fields: [String])], file: String,
                                    parsing: ChallengeOutputParsing) throws(ChallengeFormatError) {
        if lines.count < 3 || (parsing == .strict && lines.count > 3) {
            throw .malformedOutput(file: file, reason: "it has \(lines.count) line(s) of values, expected 3")
        }
        let lengths = lines.map(\.fields.count)
        if Set(lengths).count != 1 {
            let counts = zip(lines, lengths).map { "line \($0.number): \($1)" }.joined(separator: ", ")
            throw .malformedOutput(file: file, reason: "its lines have different numbers of fields (\(counts))")
        }
    }
}
