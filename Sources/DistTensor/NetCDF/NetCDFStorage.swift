import CNetCDF

/// How a variable's data is laid out in the HDF5 file: contiguous and uncompressed by default (fastest to write
/// and read whole), or chunked and optionally deflate-compressed for large data sets read in pieces; and whether
/// never-written elements read as the type's fill value.
public struct NetCDFStorage: Sendable, Equatable {
    /// Chunk extent per dimension; nil for contiguous storage (or the library's default chunks when a
    /// dimension is unlimited or compression is on, which HDF5 requires to be chunked).
    public var chunkShape: [Int]?
    /// Deflate level 1...9, or nil for no compression.
    public var deflateLevel: Int?
    /// Whether to byte-shuffle before deflating (often improves compression of numbers).
    public var shuffle: Bool
    /// Whether never-written elements read as NetCDF's default fill value of the type (e.g. -32767 for `short`,
    /// 255 for `ubyte`). Turn it off for variables that are always written completely and whose real values may
    /// equal that fill value (int16 ADC samples of -32767, say): netCDF4-python masks default fill values in
    /// variables that have fill on, but not in variables with fill off.
    public var prefill: Bool

    /// Storage with the given chunking, compression and fill behaviour.
    public init(chunkShape: [Int]? = nil, deflateLevel: Int? = nil, shuffle: Bool = false, prefill: Bool = true) {
        self.chunkShape = chunkShape
        self.deflateLevel = deflateLevel
        self.shuffle = shuffle
        self.prefill = prefill
    }

    /// One contiguous uncompressed block (chunked with default chunks along an unlimited dimension).
    public static let contiguous = NetCDFStorage()

    /// Chunks of `chunkShape`, deflate-compressed at `deflateLevel` if given.
    public static func chunked(_ chunkShape: [Int], deflateLevel: Int? = nil, shuffle: Bool = false,
                               prefill: Bool = true) -> NetCDFStorage {
        NetCDFStorage(chunkShape: chunkShape, deflateLevel: deflateLevel, shuffle: shuffle, prefill: prefill)
    }

    /// Applies this layout to a just-defined variable; call with the library lock held.
    func apply(to variableID: Int32, in groupID: Int32, dimensions: [NetCDFDimension], file: NetCDFFile,
               variable: String) throws(NetCDFError) {
        let object = "variable '\(variable)'"
        if !prefill {
            try file.check(nc_def_var_fill(groupID, variableID, 1, nil), operation: "nc_def_var_fill", object: object)
        }
        // A scalar is a single element: there is nothing to chunk or compress.
        guard !dimensions.isEmpty else { return }
        if let chunkShape {
            guard chunkShape.count == dimensions.count, chunkShape.allSatisfy({ $0 > 0 }) else {
                throw .invalidArgument(path: file.url.path, operation: "creating \(object)",
                                       reason: "chunk shape \(chunkShape) must have \(dimensions.count) positive "
                                           + "entries, one per dimension")
            }
            try file.check(nc_def_var_chunking(groupID, variableID, NC_CHUNKED, chunkShape),
                           operation: "nc_def_var_chunking", object: object)
        } else if deflateLevel == nil, !dimensions.contains(where: \.isUnlimited) {
            try file.check(nc_def_var_chunking(groupID, variableID, NC_CONTIGUOUS, nil),
                           operation: "nc_def_var_chunking", object: object)
        }
        if let deflateLevel {
            guard (1...9).contains(deflateLevel) else {
                throw .invalidArgument(path: file.url.path, operation: "creating \(object)",
                                       reason: "deflate level \(deflateLevel) is outside 1...9")
            }
            try file.check(nc_def_var_deflate(groupID, variableID, shuffle ? 1 : 0, 1, Int32(deflateLevel)),
                           operation: "nc_def_var_deflate", object: object)
        }
    }
}
