/// Errors adding records to `ScoringRecords` or scoring single-label predictions.
public enum ScoringError: Error, CustomStringConvertible, Equatable {
    /// A record's labels or outputs do not have one value per scoring class.
    case classCountMismatch(recordID: String, expected: Int, labels: Int, binaryOutputs: Int, scalarOutputs: Int)
    /// Single-label scoring got another number of predictions than of true classes.
    case recordCountMismatch(labels: Int, outputs: Int)
    /// A class index is not one of the task's classes.
    case classIndexOutOfRange(index: Int, classCount: Int)

    public var description: String {
        switch self {
        case let .classCountMismatch(recordID, expected, labels, binaryOutputs, scalarOutputs):
            "record \(recordID): expected \(expected) values per array (one per scoring class), got \(labels) "
                + "labels, \(binaryOutputs) binary outputs and \(scalarOutputs) probabilities; merge the "
                + "outputs with ScoringClasses.outputs(columnCodes:binary:probabilities:) first"
        case let .recordCountMismatch(labels, outputs):
            "\(labels) true classes but \(outputs) predictions: score one prediction per record"
        case let .classIndexOutOfRange(index, classCount):
            "class index \(index) is not one of the \(classCount) classes (0..<\(classCount))"
        }
    }
}
