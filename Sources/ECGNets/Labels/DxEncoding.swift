/// A record's Dx codes mapped onto the Challenge label space: the training targets, the labels the
/// metric sees, and the codes that set no label, kept so callers can report them.
public struct DxEncoding: Sendable, Equatable {
    /// One target per training class (27 for 2020), 1 where the record has that diagnosis, else 0.
    public var trainingTargets: [Float]
    /// One label per scoring class (24 for 2020), as the official scorer derives them.
    public var scoringLabels: [Bool]
    /// Codes a Challenge class map names but the label space does not score; they set no label.
    public var unscoredCodes: [String]
    /// Codes no Challenge class map names (typos, other vocabularies); they set no label.
    public var unknownCodes: [String]
}
