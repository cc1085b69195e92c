import Foundation

/// Writes per-record output files in the Challenge format (`#record_id`, class codes, 0/1 decisions,
/// probabilities), the files the official scorer and `ChallengeOutputReader` read.
public enum ChallengeOutputWriter {
    /// The text of the output file of `output`; probabilities are written with the shortest decimal form
    /// that reads back as the same Double, so a written file scores exactly as the outputs it came from.
    public static func text(for output: ChallengeOutput) throws(ChallengeFormatError) -> String {
        let recordID = try validRecordID(output.recordID)
        let columns = output.classCodes.count
        guard output.binaryOutputs.count == columns, output.probabilities.count == columns else {
            throw .invalidOutput(recordID: recordID, reason: "\(columns) class codes but \(output.binaryOutputs.count) "
                                 + "decisions and \(output.probabilities.count) probabilities")
        }
        let unwritable = { (code: String) in code.isEmpty || code.hasPrefix("#") || code.contains(where: isSeparator) }
        if let code = output.classCodes.first(where: unwritable) {
            throw .invalidOutput(recordID: recordID, reason: "class code '\(code)' is empty, starts with '#' "
                                 + "or contains a comma, space or line break")
        }
        if let index = output.probabilities.firstIndex(where: { !$0.isFinite }) {
            throw .invalidOutput(recordID: recordID, reason: "the probability of class \(output.classCodes[index]) "
                                 + "is \(output.probabilities[index]); the format needs finite numbers")
        }
        return "#\(recordID)\n"
            + output.classCodes.joined(separator: ",") + "\n"
            + output.binaryOutputs.map { $0 ? "1" : "0" }.joined(separator: ",") + "\n"
            + output.probabilities.map { "\($0)" }.joined(separator: ",") + "\n"
    }

    /// Writes `output` atomically to `<recordID>.csv` in `directory` and returns the file's URL.
    @discardableResult
    public static func write(_ output: ChallengeOutput, into directory: URL) throws(ChallengeFormatError) -> URL {
        let contents = try text(for: output)
        let file = directory.appendingPathComponent(try validRecordID(output.recordID) + ".csv")
        do {
            try contents.write(to: file, atomically: true, encoding: .utf8)
        } catch {
            throw .unwritable(file: file.path, reason: error.localizedDescription)
        }
        return file
    }

    /// The record id, if it can name a file and a `#` line.
    private static func validRecordID(_ recordID: String?) throws(ChallengeFormatError) -> String {
        guard let recordID, !recordID.isEmpty else {
            throw .invalidOutput(recordID: "", reason: "the record id is missing")
        }
        if recordID.hasPrefix(".") || recordID.contains("/") || recordID.contains(where: isSeparator) {
            throw .invalidOutput(recordID: recordID, reason: "a record id must not start with '.' nor contain "
                                 + "'/', commas, spaces or line breaks")
        }
        return recordID
    }

    private static func isSeparator(_ character: Character) -> Bool {
        character == "," || character.isWhitespace
    }
}
