import CNetCDF
import Foundation

/// The attributes of one variable or group (the root group's are the file's global attributes): list, write and
/// read them, with typed getters that throw a clear error when an attribute holds something else.
public struct NetCDFAttributes: Sendable {
    let file: NetCDFFile
    let groupID: Int32
    /// The variable id, or `NC_GLOBAL` for a group's own attributes.
    let variableID: Int32
    /// Who owns the attributes, for messages ("variable 'fc.bias'", "global attributes").
    let owner: String

    /// The attribute names, in definition order.
    public func names() throws(NetCDFError) -> [String] {
        try file.withOpenFile { () throws(NetCDFError) in
            var count: Int32 = 0
            if variableID == NC_GLOBAL {
                try file.check(nc_inq_natts(groupID, &count), operation: "nc_inq_natts", object: owner)
            } else {
                try file.check(nc_inq_varnatts(groupID, variableID, &count), operation: "nc_inq_varnatts",
                               object: owner)
            }
            var names: [String] = []
            for index in 0..<count {
                names.append(try file.name("nc_inq_attname", object: owner) {
                    nc_inq_attname(groupID, variableID, index, $0)
                })
            }
            return names
        }
    }

    /// Writes attribute `name`, replacing any previous value. Text is stored as UTF-8 `char`, integers as
    /// `int64`, doubles as `double`, string arrays as `string`.
    public func set(_ name: String, to value: NetCDFAttribute) throws(NetCDFError) {
        let object = "attribute '\(name)' of \(owner)"
        try file.requireWritable("write \(object)")
        switch value {
        case let .text(text):
            let bytes = text.utf8.map { CChar(bitPattern: $0) }
            try file.call("nc_put_att_text", object: object) {
                nc_put_att_text(groupID, variableID, name, bytes.count, bytes)
            }
        case let .strings(strings):
            if let bad = strings.first(where: { $0.utf8.contains(0) }) {
                throw .invalidArgument(path: file.url.path, operation: "writing \(object)",
                                       reason: "the string \(bad.debugDescription) contains a NUL byte, which "
                                           + "NetCDF strings cannot hold")
            }
            var cStrings: [UnsafePointer<CChar>?] = strings.map { strdup($0).map { UnsafePointer($0) } }
            defer { cStrings.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
            try file.call("nc_put_att_string", object: object) {
                nc_put_att_string(groupID, variableID, name, cStrings.count, &cStrings)
            }
        case let .integers(values):
            try file.call("nc_put_att_longlong", object: object) {
                nc_put_att_longlong(groupID, variableID, name, NC_INT64, values.count, values)
            }
        case let .doubles(values):
            try file.call("nc_put_att_double", object: object) {
                nc_put_att_double(groupID, variableID, name, NC_DOUBLE, values.count, values)
            }
        }
    }

    /// The value of attribute `name`; throws `NetCDFError.notFound` listing the existing ones if there is none.
    /// Trailing NUL bytes of `char` attributes (written by some C programs) are dropped.
    public func value(named name: String) throws(NetCDFError) -> NetCDFAttribute {
        let object = "attribute '\(name)' of \(owner)"
        return try file.withOpenFile { () throws(NetCDFError) in
            var typeCode: nc_type = 0
            var length = 0
            let status = nc_inq_att(groupID, variableID, name, &typeCode, &length)
            if status == NC_ENOTATT {
                throw .notFound(path: file.url.path, kind: "attribute", name: name, container: owner,
                                available: try names())
            }
            try file.check(status, operation: "nc_inq_att", object: object)
            switch NetCDFType(code: typeCode) {
            case .char:
                var bytes = [CChar](repeating: 0, count: length)
                try file.check(nc_get_att_text(groupID, variableID, name, &bytes), operation: "nc_get_att_text",
                               object: object)
                while bytes.last == 0 { bytes.removeLast() }
                return .text(String(decoding: bytes.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            case .string:
                var cStrings = [UnsafeMutablePointer<CChar>?](repeating: nil, count: length)
                try file.check(nc_get_att_string(groupID, variableID, name, &cStrings),
                               operation: "nc_get_att_string", object: object)
                defer { _ = nc_free_string(length, &cStrings) }
                return .strings(cStrings.map { $0.map { String(cString: $0) } ?? "" })
            case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .uint64:
                var values = [Int64](repeating: 0, count: length)
                try file.check(nc_get_att_longlong(groupID, variableID, name, &values),
                               operation: "nc_get_att_longlong", object: object)
                return .integers(values)
            case .float32, .float64:
                var values = [Double](repeating: 0, count: length)
                try file.check(nc_get_att_double(groupID, variableID, name, &values), operation: "nc_get_att_double",
                               object: object)
                return .doubles(values)
            case nil:
                throw .attributeMismatch(path: file.url.path, attribute: name, owner: owner,
                                         expected: "text, strings, integers or doubles",
                                         found: "a value of user-defined type \(typeCode)")
            }
        }
    }

    /// The text of attribute `name` (a `char` attribute or a single `string`).
    public func text(named name: String) throws(NetCDFError) -> String {
        switch try value(named: name) {
        case let .text(text): return text
        case let .strings(strings) where strings.count == 1: return strings[0]
        case let other: throw mismatch(name, expected: "text", found: other)
        }
    }

    /// The single integer held by attribute `name`.
    public func integer(named name: String) throws(NetCDFError) -> Int64 {
        let value = try value(named: name)
        guard case let .integers(values) = value, values.count == 1 else {
            throw mismatch(name, expected: "1 integer", found: value)
        }
        return values[0]
    }

    /// The single double held by attribute `name`.
    public func double(named name: String) throws(NetCDFError) -> Double {
        let value = try value(named: name)
        guard case let .doubles(values) = value, values.count == 1 else {
            throw mismatch(name, expected: "1 double", found: value)
        }
        return values[0]
    }

    private func mismatch(_ name: String, expected: String, found: NetCDFAttribute) -> NetCDFError {
        .attributeMismatch(path: file.url.path, attribute: name, owner: owner, expected: expected,
                           found: found.description)
    }
}
