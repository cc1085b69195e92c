/// Where one fixed-length window sits in a record: the record sample it starts at and how many of its samples are
/// real, so that a zero-padded window of a short record can be told apart from a full one.
public struct ECGWindowPlacement: Sendable, Equatable, Hashable, Codable {
    /// The record sample copied to window sample 0.
    public let offset: Int
    /// Window samples `0..<validLength` are record samples `offset..<offset + validLength`; the rest are zero.
    public let validLength: Int

    /// A placement starting at record sample `offset` with `validLength` real samples.
    public init(offset: Int, validLength: Int) {
        self.offset = offset
        self.validLength = validLength
    }
}
