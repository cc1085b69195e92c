import CNetCDF

/// How a variable's data is laid out in the HDF5 file: contiguous and uncompressed by default (fastest to write
/// and read whole), or chunked and optionally deflate-compressed for large data sets read in pieces.
public struct NetCDFStorage: Sendable, Equatable {
    /// Chunk extent per dimension; nil for contiguous storage (or the library's default chunks when a
    /// dimension is unlimited or compression is on, which HDF5 requires to be chunked).
    public var chunkShape: [Int]?
    /// Deflate level 1...9, or nil for no compression.
    public var deflateLevel: Int?
    /// Whether to byte-shuffle before deflating (often improves compression of numbers).
    public var shuffle: Bool

    /// Storage with the given chunking and compression.
    public init(chunkShape: [Int]? = nil, deflateLevel: Int? = nil, shuffle: Bool = false) {
        self.chunkShape = chunkShape
        self.deflateLevel = deflateLevel
        self.shuffle = shuffle
    }

    /// One contiguous uncompressed block (chunked with default chunks along an unlimited dimension).
    public static let contiguous = NetCDFStorage()

    /// Chunks of `chunkShape`, deflate-compressed at `deflateLevel` if given.
    public static func chunked(_ chunkShape: [Int], deflateLevel: Int? = nil, shuffle: Bool = false)
        -> NetCDFStorage {
        NetCDFStorage(chunkShape: chunkShape, deflateLevel: deflateLevel, shuffle: shuffle)
    }

    /// Applies this layout to a just-defined variable; call with the library lock held.
    func apply(to variableID: Int32, in groupID: Int32, dimensions: [NetCDFDimension], file: NetCDFFile,
               variable: String) throws(NetCDFError) {
        let object = "variable '\(variable)'"
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
