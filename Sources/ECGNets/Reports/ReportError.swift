/// Errors writing report files.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// A report file could not be written.
    case unwritable(file: String, reason: String)
    /// The report could not be encoded as JSON.
    case unencodable(reason: String)

    public var description: String {
        switch self {
        case let .unwritable(file, reason):
            "cannot write the report file \(file): \(reason); check that its directory exists and is writable"
        case let .unencodable(reason):
            "cannot encode the evaluation report as JSON: \(reason)"
        }
    }
}
