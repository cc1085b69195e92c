import CNetCDF

/// A named axis of a NetCDF file that variables are shaped by; unlimited dimensions grow as data is written.
public struct NetCDFDimension: Sendable {
    let file: NetCDFFile
    /// A group from which the dimension is visible (its own or a descendant): the library resolves ids from there.
    let groupID: Int32
    let id: Int32
    /// The dimension's name.
    public let name: String
    /// Whether the dimension grows when variables are written past its current length.
    public let isUnlimited: Bool

    /// The current length (for an unlimited dimension: the largest extent written so far).
    public func length() throws(NetCDFError) -> Int {
        var length = 0
        try file.call("nc_inq_dimlen", object: "dimension '\(name)'") { nc_inq_dimlen(groupID, id, &length) }
        return length
    }
}
