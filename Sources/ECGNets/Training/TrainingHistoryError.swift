/// Errors reading or writing a training history as JSON.
public enum TrainingHistoryError: Error, CustomStringConvertible, Equatable {
    /// The history could not be encoded.
    case unencodable(reason: String)
    /// The JSON from `source` is not a training history.
    case undecodable(source: String, reason: String)

    public var description: String {
        switch self {
        case let .unencodable(reason):
            "cannot encode the training history as JSON: \(reason)"
        case let .undecodable(source, reason):
            "\(source) does not hold a training history in the JSON dist-train writes (\(reason)); "
                + "point to a history.json or checkpoint written by dist-train"
        }
    }
}
