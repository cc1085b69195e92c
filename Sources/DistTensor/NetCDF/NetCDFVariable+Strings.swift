import CNetCDF
import Foundation

/// Reads and writes of variable-length UTF-8 strings (`NC_STRING` variables, e.g. record ids).
extension NetCDFVariable {
    /// Writes `strings` (row-major, `count` elements per dimension) at `start` of a `string` variable.
    public func write(_ strings: [String], start: [Int], count: [Int]) throws(NetCDFError) {
        try file.requireWritable("write variable '\(qualifiedName)'")
        try requireType(.string)
        if let bad = strings.first(where: { $0.utf8.contains(0) }) {
            throw .invalidArgument(path: file.url.path, operation: "writing variable '\(qualifiedName)'",
                                   reason: "the string \(bad.debugDescription) contains a NUL byte, which NetCDF "
                                       + "strings cannot hold")
        }
        try file.withOpenFile { () throws(NetCDFError) in
            let elements = try checkHyperslab(start: start, count: count, writing: true,
                                              matching: strings.count, "\(strings.count) strings were given")
            guard elements > 0 else { return }
            var cStrings: [UnsafePointer<CChar>?] = strings.map { strdup($0).map { UnsafePointer($0) } }
            defer { cStrings.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
            try file.check(nc_put_vara_string(group.id, id, start, count, &cStrings),
                           operation: "nc_put_vara_string(start \(start), count \(count))",
                           object: "variable '\(qualifiedName)'")
        }
    }

    /// Writes the whole `string` variable at its current shape (row-major).
    public func write(_ strings: [String]) throws(NetCDFError) {
        let shape = try shape()
        try write(strings, start: shape.map { _ in 0 }, count: shape)
    }

    /// Reads the hyperslab at `start` of `count` elements per dimension of a `string` variable (row-major).
    public func readStrings(start: [Int], count: [Int]) throws(NetCDFError) -> [String] {
        try requireType(.string)
        return try file.withOpenFile { () throws(NetCDFError) in
            let elements = try checkHyperslab(start: start, count: count, writing: false)
            guard elements > 0 else { return [] }
            var cStrings = [UnsafeMutablePointer<CChar>?](repeating: nil, count: elements)
            try file.check(nc_get_vara_string(group.id, id, start, count, &cStrings),
                           operation: "nc_get_vara_string(start \(start), count \(count))",
                           object: "variable '\(qualifiedName)'")
            defer { _ = nc_free_string(elements, &cStrings) }
            return cStrings.map { $0.map { String(cString: $0) } ?? "" }
        }
    }

    /// Reads the whole `string` variable at its current shape (row-major).
    public func readStrings() throws(NetCDFError) -> [String] {
        let shape = try shape()
        return try readStrings(start: shape.map { _ in 0 }, count: shape)
    }
}
