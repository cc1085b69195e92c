/// Errors adding records to `ScoringRecords`.
public enum ScoringError: Error, CustomStringConvertible, Equatable {
    /// A record's labels or outputs do not have one value per scoring class.
    case classCountMismatch(recordID: String, expected: Int, labels: Int, binaryOutputs: Int, scalarOutputs: Int)

    public var description: String {
        switch self {
        case let .classCountMismatch(recordID, expected, labels, binaryOutputs, scalarOutputs):
            "record \(recordID): expected \(expected) values per array (one per scoring class), got \(labels) "
                + "labels, \(binaryOutputs) binary outputs and \(scalarOutputs) probabilities; merge the "
                + "outputs with ScoringClasses.outputs(columnCodes:binary:probabilities:) first"
        }
    }
}
