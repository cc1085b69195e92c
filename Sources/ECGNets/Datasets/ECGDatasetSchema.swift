import DistTensor
import Foundation

/// The checks `ECGDataset` makes when opening a file: format name and version, and each variable's presence, type
/// and dimensions, every NetCDF failure turned into an `ECGDatasetError` that names the file.
struct ECGDatasetSchema {
    let file: NetCDFFile
    let url: URL

    /// Throws unless the file says it is a dataset of a readable version; returns the version.
    @discardableResult
    func checkFormat() throws(ECGDatasetError) -> Int64 {
        let attributes = file.root.attributes
        let format: String
        do {
            format = try attributes.text(named: ECGDatasetFormat.Attribute.format)
        } catch {
            throw .notADataset(url, reason: "it has no '\(ECGDatasetFormat.Attribute.format)' global attribute")
        }
        guard format == ECGDatasetFormat.name else {
            throw .notADataset(url, reason: "its '\(ECGDatasetFormat.Attribute.format)' is \"\(format)\"")
        }
        let version: Int64
        do {
            version = try attributes.integer(named: ECGDatasetFormat.Attribute.version)
        } catch {
            throw .schemaMismatch(url, object: "global attribute '\(ECGDatasetFormat.Attribute.version)'",
                                  reason: error.description)
        }
        guard ECGDatasetFormat.readableVersions.contains(version) else {
            throw .unsupportedVersion(url, found: version, supported: ECGDatasetFormat.version)
        }
        return version
    }

    /// The text of global attribute `name`.
    func text(_ name: String) throws(ECGDatasetError) -> String {
        do {
            return try file.root.attributes.text(named: name)
        } catch {
            throw .schemaMismatch(url, object: "global attribute '\(name)'", reason: error.description)
        }
    }

    /// The positive number held by attribute `name` of `variable` (or a global one when nil).
    func positiveDouble(_ name: String, of variable: NetCDFVariable? = nil) throws(ECGDatasetError) -> Double {
        let object = variable.map { "attribute '\(name)' of variable '\($0.name)'" } ?? "global attribute '\(name)'"
        let value: Double
        do {
            value = try (variable?.attributes ?? file.root.attributes).double(named: name)
        } catch {
            throw .schemaMismatch(url, object: object, reason: error.description)
        }
        guard value.isFinite, value > 0 else {
            throw .schemaMismatch(url, object: object, reason: "\(value) is not a positive number")
        }
        return value
    }

    /// The length of dimension `name`.
    func length(of name: String) throws(ECGDatasetError) -> Int {
        do {
            return try file.root.dimension(named: name).length()
        } catch {
            throw .schemaMismatch(url, object: "dimension '\(name)'", reason: error.description)
        }
    }

    /// Variable `name`, checked to store `type` over the dimensions named `dimensions`.
    func variable(_ name: String, _ type: NetCDFType, _ dimensions: [String]) throws(ECGDatasetError)
        -> NetCDFVariable {
        let variable: NetCDFVariable
        do {
            variable = try file.root.variable(named: name)
        } catch {
            if case .notFound = error { throw .missingVariable(url, name: name) }
            throw .readFailed(url, error)
        }
        let found = variable.dimensions.map(\.name)
        guard variable.type == type, found == dimensions else {
            throw .schemaMismatch(url, object: "variable '\(name)'", reason: "it is \(variable.type)(\(found.joined(separator: ", "))), "
                + "expected \(type)(\(dimensions.joined(separator: ", ")))")
        }
        return variable
    }

    /// All values of numeric variable `name` over `dimensions`.
    func values<Element: NetCDFScalar>(_ name: String, _ dimensions: [String]) throws(ECGDatasetError) -> [Element] {
        let variable = try variable(name, Element.netCDFType, dimensions)
        do {
            return try variable.read(Element.self)
        } catch {
            throw .readFailed(url, error)
        }
    }

    /// All strings of string variable `name` over `dimensions`.
    func strings(_ name: String, _ dimensions: [String]) throws(ECGDatasetError) -> [String] {
        let variable = try variable(name, .string, dimensions)
        do {
            return try variable.readStrings()
        } catch {
            throw .readFailed(url, error)
        }
    }
}
