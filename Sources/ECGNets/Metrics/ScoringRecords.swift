/// The labels and classifier outputs of a set of records over the classes of one Challenge metric, stored
/// row-major (record × class) so the metric loops read contiguous memory.
public struct ScoringRecords: Sendable {
    /// The classes (and weights) the records are scored over.
    public let classes: ScoringClasses
    /// The record ids in the order the records were added.
    public private(set) var recordIDs: [String] = []
    /// `count × classes.count` reference labels.
    public private(set) var labels: [Bool] = []
    /// `count × classes.count` binary classifier outputs.
    public private(set) var binaryOutputs: [Bool] = []
    /// `count × classes.count` classifier probabilities (scores).
    public private(set) var scalarOutputs: [Double] = []

    /// An empty set of records to be scored over `classes`.
    public init(classes: ScoringClasses) {
        self.classes = classes
    }

    /// Number of records.
    public var count: Int { recordIDs.count }

    /// Adds one record's labels and merged outputs (see `ScoringClasses.outputs`).
    public mutating func append(recordID: String, labels: [Bool], outputs: ClassOutputs) throws(ScoringError) {
        try append(recordID: recordID, labels: labels, binaryOutputs: outputs.binary,
                   scalarOutputs: outputs.probabilities)
    }

    /// Adds one record, one value per class in each array; a NaN probability counts as 0, as the official
    /// scorer's loader makes it.
    public mutating func append(recordID: String, labels: [Bool], binaryOutputs: [Bool],
                                scalarOutputs: [Double]) throws(ScoringError) {
        let expected = classes.count
        guard labels.count == expected, binaryOutputs.count == expected, scalarOutputs.count == expected else {
            throw .classCountMismatch(recordID: recordID, expected: expected, labels: labels.count,
                                      binaryOutputs: binaryOutputs.count, scalarOutputs: scalarOutputs.count)
        }
        appendMatchingClasses(recordID: recordID, labels: labels, binaryOutputs: binaryOutputs,
                              scalarOutputs: scalarOutputs)
    }

    /// Adds one record whose arrays the caller built from `classes` itself, so they have one value per class.
    mutating func appendMatchingClasses(recordID: String, labels: [Bool], binaryOutputs: [Bool],
                                        scalarOutputs: [Double]) {
        recordIDs.append(recordID)
        self.labels.append(contentsOf: labels)
        self.binaryOutputs.append(contentsOf: binaryOutputs)
        self.scalarOutputs.append(contentsOf: scalarOutputs.map { $0.isNaN ? 0 : $0 })
    }

    /// Per class, the number of records labelled positive.
    public func positiveLabelCounts() -> [Int] {
        Self.columnCounts(labels, classCount: classes.count)
    }

    /// Per class, the number of records the classifier called positive.
    public func positiveOutputCounts() -> [Int] {
        Self.columnCounts(binaryOutputs, classCount: classes.count)
    }

    private static func columnCounts(_ matrix: [Bool], classCount: Int) -> [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        matrix.withUnsafeBufferPointer { values in
            for (offset, value) in values.enumerated() where value {
                counts[offset % classCount] += 1
            }
        }
        return counts
    }
}

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
