/// One record's classifier output in the Challenge format: the record id and, per column, a SNOMED-CT
/// class code (equivalent codes may be written `a|b`), a binary decision and a probability.
public struct ChallengeOutput: Sendable, Equatable {
    /// The record id of the file's `#record_id` line, `nil` if the file has none.
    public var recordID: String?
    /// The class code of each column.
    public var classCodes: [String]
    /// The binary decision of each column.
    public var binaryOutputs: [Bool]
    /// The probability (score) of each column.
    public var probabilities: [Double]

    public init(recordID: String?, classCodes: [String], binaryOutputs: [Bool], probabilities: [Double]) {
        self.recordID = recordID
        self.classCodes = classCodes
        self.binaryOutputs = binaryOutputs
        self.probabilities = probabilities
    }

    /// The outputs of a model over `classes` (in their output order), in Challenge form.
    public init(recordID: String, classes: ChallengeClasses, binaryOutputs: [Bool], probabilities: [Double]) {
        self.init(recordID: recordID, classCodes: classes.codes, binaryOutputs: binaryOutputs,
                  probabilities: probabilities)
    }

    /// These outputs merged onto the classes of a Challenge metric (see `ScoringClasses.outputs`).
    public func merged(onto classes: ScoringClasses) -> ClassOutputs {
        classes.outputs(columnCodes: classCodes, binary: binaryOutputs, probabilities: probabilities)
    }
}
