/// Problems reading or writing PhysioNet/CinC Challenge label headers, output files and their directories;
/// each message names the file and says what to fix.
public enum ChallengeFormatError: Error, CustomStringConvertible, Equatable {
    /// A file could not be read.
    case unreadable(file: String, reason: String)
    /// A file could not be written.
    case unwritable(file: String, reason: String)
    /// A label header has no `#Dx:` line.
    case missingDxLine(file: String)
    /// A `#Dx` line has no `:` before its codes.
    case malformedDxLine(file: String, line: Int)
    /// An output file does not have the Challenge layout (class codes, binary labels and probabilities as
    /// lines with the same number of comma-separated fields).
    case malformedOutput(file: String, reason: String)
    /// A field of an output file cannot be read as what its line holds.
    case invalidField(file: String, line: Int, field: Int, value: String, expected: String)
    /// The `#record` line of an output file names another record than the file name does.
    case recordIDMismatch(file: String, found: String, expected: String)
    /// An output file has no column for scored classes (their codes, equivalents joined by `|`).
    case missingClassColumns(file: String, classes: [String])
    /// An output cannot be written in the Challenge format.
    case invalidOutput(recordID: String, reason: String)
    /// A directory given for labels or outputs does not exist.
    case missingDirectory(path: String, role: String)
    /// The label directory holds no `.hea` files.
    case noLabelFiles(directory: String)
    /// A label header has no output file of the same name.
    case missingOutput(labelFile: String, outputFile: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            "cannot read \(file): \(reason)"
        case let .unwritable(file, reason):
            "cannot write \(file): \(reason)"
        case let .missingDxLine(file):
            "\(file) has no '#Dx:' line; a label header needs one listing the record's SNOMED-CT codes, "
                + "e.g. '#Dx: 426783006,164889003'"
        case let .malformedDxLine(file, line):
            "\(file), line \(line): the '#Dx' line has no ':' before its codes; write it as '#Dx: code,code'"
        case let .malformedOutput(file, reason):
            "\(file) is not a Challenge output file (\(reason)); it needs a '#record_id' line, then a line "
                + "of class codes, a line of 0/1 decisions and a line of probabilities, all with the same number "
                + "of comma-separated fields"
        case let .invalidField(file, line, field, value, expected):
            "\(file), line \(line), field \(field): '\(value)' is not \(expected)"
        case let .recordIDMismatch(file, found, expected):
            "\(file) starts with '#\(found)' but is the output file of record \(expected); "
                + "write each record's outputs to <record>.csv"
        case let .missingClassColumns(file, classes):
            "\(file) has no column for the scored class(es) \(classes.joined(separator: ", ")); the official scorer "
                + "would score them as all-negative. Write a column for every scored class (or pass --lenient to "
                + "score them as negative, or --weights of the classes the model predicts)"
        case let .invalidOutput(recordID, reason):
            "cannot write the outputs of record '\(recordID)': \(reason)"
        case let .missingDirectory(path, role):
            "the \(role) directory \(path) does not exist or is not a directory"
        case let .noLabelFiles(directory):
            "no label files (*.hea) in \(directory); pass the directory holding the records' headers"
        case let .missingOutput(labelFile, outputFile):
            "label file \(labelFile) has no output file \(outputFile); every labelled record needs one "
                + "(the official scorer stops here too)"
        }
    }
}
