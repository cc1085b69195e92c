import CNetCDF

/// A variable of a NetCDF file: its element type and dimensions, its attributes, and reads and writes of whole
/// variables or hyperslabs (`start`/`count` per dimension, outermost first) of numbers without conversion.
///
/// Values move as the variable's own type: reading a `float` variable as `Double` throws
/// `NetCDFError.typeMismatch` instead of converting silently. Strings are in `NetCDFVariable+Strings.swift`.
public struct NetCDFVariable: Sendable {
    /// The group the variable belongs to.
    public let group: NetCDFGroup
    let id: Int32
    /// The variable's name within its group.
    public let name: String
    /// The stored element type.
    public let type: NetCDFType
    /// The dimensions, outermost first; empty for a scalar.
    public let dimensions: [NetCDFDimension]

    var file: NetCDFFile { group.file }

    /// The variable's name as used in error messages (with its group path below the root).
    public var qualifiedName: String { group.qualifiedName(name) }

    /// The current extent of every dimension (unlimited ones as written so far).
    public func shape() throws(NetCDFError) -> [Int] {
        var shape: [Int] = []
        for dimension in dimensions {
            shape.append(try dimension.length())
        }
        return shape
    }

    /// The variable's attributes (`units`, `long_name`, ...).
    public var attributes: NetCDFAttributes {
        NetCDFAttributes(file: file, groupID: group.id, variableID: id, owner: "variable '\(qualifiedName)'")
    }

    // MARK: Writing

    /// Writes `values` (row-major, `count` elements per dimension) at `start`, straight from the caller's memory;
    /// writing past the end of an unlimited dimension extends it.
    public func write<Element: NetCDFScalar>(_ values: UnsafeBufferPointer<Element>, start: [Int], count: [Int])
        throws(NetCDFError) {
        try file.requireWritable("write variable '\(qualifiedName)'")
        try requireType(Element.netCDFType)
        try file.withOpenFile { () throws(NetCDFError) in
            let elements = try checkHyperslab(start: start, count: count, writing: true,
                                              matching: values.count, "\(values.count) values were given")
            guard elements > 0 else { return }
            try file.check(nc_put_vara(group.id, id, start, count, values.baseAddress),
                           operation: "nc_put_vara(start \(start), count \(count))",
                           object: "variable '\(qualifiedName)'")
        }
    }

    /// Writes `values` (row-major, `count` elements per dimension) at `start`.
    public func write<Element: NetCDFScalar>(_ values: [Element], start: [Int], count: [Int]) throws(NetCDFError) {
        try values.withUnsafeBufferPointer { (buffer) throws(NetCDFError) in
            try write(buffer, start: start, count: count)
        }
    }

    /// Writes the whole variable at its current shape from the caller's memory (row-major).
    public func write<Element: NetCDFScalar>(_ values: UnsafeBufferPointer<Element>) throws(NetCDFError) {
        let shape = try shape()
        try write(values, start: shape.map { _ in 0 }, count: shape)
    }

    /// Writes the whole variable at its current shape (row-major).
    public func write<Element: NetCDFScalar>(_ values: [Element]) throws(NetCDFError) {
        try values.withUnsafeBufferPointer { (buffer) throws(NetCDFError) in try write(buffer) }
    }

    // MARK: Reading

    /// Reads the hyperslab at `start` of `count` elements per dimension into `buffer` (row-major), which must
    /// hold exactly that many elements.
    public func read<Element: NetCDFScalar>(into buffer: UnsafeMutableBufferPointer<Element>, start: [Int],
                                            count: [Int]) throws(NetCDFError) {
        try requireType(Element.netCDFType)
        try file.withOpenFile { () throws(NetCDFError) in
            let elements = try checkHyperslab(start: start, count: count, writing: false,
                                              matching: buffer.count, "the buffer holds \(buffer.count)")
            guard elements > 0 else { return }
            try file.check(nc_get_vara(group.id, id, start, count, buffer.baseAddress),
                           operation: "nc_get_vara(start \(start), count \(count))",
                           object: "variable '\(qualifiedName)'")
        }
    }

    /// Reads the hyperslab at `start` of `count` elements per dimension (row-major).
    public func read<Element: NetCDFScalar>(_ type: Element.Type = Element.self, start: [Int], count: [Int])
        throws(NetCDFError) -> [Element] {
        let elements = try elementCount(count)
        var failure: NetCDFError?
        let values = [Element](unsafeUninitializedCapacity: elements) { buffer, initialized in
            do throws(NetCDFError) {
                try read(into: buffer, start: start, count: count)
                initialized = elements
            } catch {
                failure = error
                initialized = 0
            }
        }
        if let failure { throw failure }
        return values
    }

    /// Reads the whole variable at its current shape (row-major).
    public func read<Element: NetCDFScalar>(_ type: Element.Type = Element.self) throws(NetCDFError) -> [Element] {
        let shape = try shape()
        return try read(type, start: shape.map { _ in 0 }, count: shape)
    }

    // MARK: Checks

    /// Throws unless the variable stores `requested` values.
    func requireType(_ requested: NetCDFType) throws(NetCDFError) {
        guard type == requested else {
            throw .typeMismatch(path: file.url.path, variable: qualifiedName, stored: type, requested: requested)
        }
    }

    /// Checks `start`/`count` against the rank and current shape (an unlimited dimension may grow when
    /// `writing`) and returns the number of elements selected; call with the library lock held.
    func checkHyperslab(start: [Int], count: [Int], writing: Bool) throws(NetCDFError) -> Int {
        guard start.count == dimensions.count, count.count == dimensions.count else {
            throw .shapeMismatch(path: file.url.path, variable: qualifiedName,
                                 reason: "start \(start) and count \(count) need \(dimensions.count) entries, one "
                                     + "per dimension (\(dimensions.map(\.name).joined(separator: ", ")))")
        }
        let shape = try shape()
        for axis in dimensions.indices {
            let growable = writing && dimensions[axis].isUnlimited
            let (end, overflow) = start[axis].addingReportingOverflow(count[axis])
            guard start[axis] >= 0, count[axis] >= 0, !overflow, growable || end <= shape[axis] else {
                throw .shapeMismatch(path: file.url.path, variable: qualifiedName,
                                     reason: "start \(start) + count \(count) lies outside its shape \(shape) "
                                         + "along dimension '\(dimensions[axis].name)'")
            }
        }
        return try elementCount(count)
    }

    /// `checkHyperslab`, and a shape error unless the selection has exactly `available` elements (the values
    /// given or the room in a buffer, as `given` says in the message).
    func checkHyperslab(start: [Int], count: [Int], writing: Bool, matching available: Int,
                        _ given: @autoclosure () -> String) throws(NetCDFError) -> Int {
        let elements = try checkHyperslab(start: start, count: count, writing: writing)
        guard elements == available else {
            throw .shapeMismatch(path: file.url.path, variable: qualifiedName,
                                 reason: "count \(count) selects \(elements) elements but \(given())")
        }
        return elements
    }

    /// The product of `count`, or a shape error if it is negative or overflows.
    private func elementCount(_ count: [Int]) throws(NetCDFError) -> Int {
        var product = 1
        for extent in count {
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            guard extent >= 0, !overflow else {
                throw .shapeMismatch(path: file.url.path, variable: qualifiedName,
                                     reason: "count \(count) does not describe a valid number of elements")
            }
            product = next
        }
        return product
    }
}
