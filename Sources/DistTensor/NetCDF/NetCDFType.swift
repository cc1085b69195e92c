import CNetCDF

/// The NetCDF-4 atomic element types a variable or attribute can store, so callers name types without C
/// constants.
public enum NetCDFType: Sendable, Equatable, CaseIterable, CustomStringConvertible {
    case int8, char, int16, int32, int64, uint8, uint16, uint32, uint64, float32, float64, string

    /// The type's `nc_type` code.
    var code: nc_type {
        switch self {
        case .int8: return NC_BYTE
        case .char: return NC_CHAR
        case .int16: return NC_SHORT
        case .int32: return NC_INT
        case .int64: return NC_INT64
        case .uint8: return NC_UBYTE
        case .uint16: return NC_USHORT
        case .uint32: return NC_UINT
        case .uint64: return NC_UINT64
        case .float32: return NC_FLOAT
        case .float64: return NC_DOUBLE
        case .string: return NC_STRING
        }
    }

    /// The atomic type of an `nc_type` code, or nil for user-defined (compound, vlen, enum, opaque) types.
    init?(code: nc_type) {
        guard let type = NetCDFType.allCases.first(where: { $0.code == code }) else { return nil }
        self = type
    }

    /// The CDL name `ncdump` prints (`float`, `short`, `int64`, ...).
    public var description: String {
        switch self {
        case .int8: return "byte"
        case .char: return "char"
        case .int16: return "short"
        case .int32: return "int"
        case .int64: return "int64"
        case .uint8: return "ubyte"
        case .uint16: return "ushort"
        case .uint32: return "uint"
        case .uint64: return "uint64"
        case .float32: return "float"
        case .float64: return "double"
        case .string: return "string"
        }
    }
}

/// A fixed-size Swift number type whose values a NetCDF variable of `netCDFType` stores bit for bit, so
/// hyperslabs move between memory and file without conversion.
public protocol NetCDFScalar: BitwiseCopyable, Sendable {
    /// The variable type that holds values of this Swift type.
    static var netCDFType: NetCDFType { get }
}

extension Float: NetCDFScalar {
    public static var netCDFType: NetCDFType { .float32 }
}

extension Double: NetCDFScalar {
    public static var netCDFType: NetCDFType { .float64 }
}

extension Int8: NetCDFScalar {
    public static var netCDFType: NetCDFType { .int8 }
}

extension Int16: NetCDFScalar {
    public static var netCDFType: NetCDFType { .int16 }
}

extension Int32: NetCDFScalar {
    public static var netCDFType: NetCDFType { .int32 }
}

extension Int64: NetCDFScalar {
    public static var netCDFType: NetCDFType { .int64 }
}

extension UInt8: NetCDFScalar {
    public static var netCDFType: NetCDFType { .uint8 }
}
