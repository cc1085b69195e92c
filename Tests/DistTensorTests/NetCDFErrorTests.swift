import DistTensor
import Foundation
import Testing

/// Wrong paths, damaged files and misuse throw a `NetCDFError` whose message names the file, the object and what
/// to do; nothing crashes.
@Suite struct NetCDFErrorTests {
    /// A file with a `[2, 3]` float variable `x` and a global attribute, in a fresh directory.
    private func sampleFile() throws -> (directory: URL, url: URL) {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        let url = directory.appendingPathComponent("sample.nc")
        let file = try NetCDFFile.create(at: url)
        let rows = try file.root.createDimension(named: "row", length: 2)
        let columns = try file.root.createDimension(named: "column", length: 3)
        try file.root.createVariable(named: "x", type: .float32, dimensions: [rows, columns])
            .write([Float]([1, 2, 3, 4, 5, 6]))
        try file.root.createVariable(named: "y", type: .int16, dimensions: [columns]).write([Int16]([1, 2, 3]))
        try file.root.attributes.set("epoch", to: .integer(3))
        try file.close()
        return (directory, url)
    }

    @Test func missingFileSaysItDoesNotExist() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("missing.nc")
        let error = #expect(throws: NetCDFError.self) { try NetCDFFile.open(at: url) }
        guard case let .library(path, operation, _, code, _)? = error else {
            Issue.record("expected a library error, got \(String(describing: error))")
            return
        }
        #expect(path == url.path)
        #expect(operation == "nc_open")
        #expect(code == ENOENT)
        #expect(error?.description.contains("No such file or directory") == true)
        #expect(error?.description.contains("does not exist; check the path") == true)
    }

    @Test func nonNetCDFFilesAreRejectedAsUnknownFormat() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = directory.appendingPathComponent("notes.nc")
        try Data("just some text, not NetCDF\n".utf8).write(to: text)
        let empty = directory.appendingPathComponent("empty.nc")
        try Data().write(to: empty)
        for url in [text, empty] {
            let error = #expect(throws: NetCDFError.self) { try NetCDFFile.open(at: url) }
            #expect(error?.description.hasPrefix(url.path + ": NetCDF nc_open failed: NetCDF: Unknown file format")
                == true)
            #expect(error?.description.contains("The file is not NetCDF") == true)
        }
    }

    @Test func truncatedFileIsReportedAsDamaged() throws {
        let (directory, url) = try sampleFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bytes = try Data(contentsOf: url)
        for keep in [bytes.count / 2, bytes.count - 64] {
            let truncated = directory.appendingPathComponent("truncated-\(keep).nc")
            try bytes.prefix(keep).write(to: truncated)
            let error = #expect(throws: NetCDFError.self) { try NetCDFFile.open(at: truncated) }
            #expect(error?.description.contains("NetCDF: HDF error") == true)
            #expect(error?.description.contains("it is truncated or damaged") == true)
        }
    }

    @Test func unknownNamesListWhatExists() throws {
        let (directory, url) = try sampleFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = try NetCDFFile.open(at: url).root
        let variable = #expect(throws: NetCDFError.self) { try root.variable(named: "body.0.weight") }
        #expect(variable == .notFound(path: url.path, kind: "variable", name: "body.0.weight", container: "group /",
                                      available: ["x", "y"]))
        #expect(variable?.description == url.path + ": no variable named 'body.0.weight' in group / (there are: x, "
            + "y). Check the name, or whether the file was written by another version of the program.")
        let group = #expect(throws: NetCDFError.self) { try root.group(named: "optimizer") }
        #expect(group?.description.contains("no group named 'optimizer' in group / (there are none)") == true)
        let dimension = #expect(throws: NetCDFError.self) { try root.dimension(named: "lead") }
        #expect(dimension?.description.contains("(there are: row, column)") == true)
        let attribute = #expect(throws: NetCDFError.self) { try root.attributes.value(named: "step") }
        #expect(attribute?.description.contains("no attribute named 'step' in global attributes (there are: epoch)")
            == true)
        let wrongKind = #expect(throws: NetCDFError.self) { try root.attributes.text(named: "epoch") }
        #expect(wrongKind == .attributeMismatch(path: url.path, attribute: "epoch", owner: "global attributes",
                                                expected: "text", found: "1 integer"))
    }

    @Test func shapeMismatchesAreCaughtBeforeTheLibrary() throws {
        let (directory, url) = try sampleFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = try NetCDFFile.open(at: url, mode: .write)
        let x = try file.root.variable(named: "x")
        let tooFew = #expect(throws: NetCDFError.self) {
            try x.write([Float]([1, 2, 3, 4, 5]), start: [0, 0], count: [2, 3])
        }
        #expect(tooFew == .shapeMismatch(path: url.path, variable: "x",
                                         reason: "count [2, 3] selects 6 elements but 5 values were given"))
        let wrongRank = #expect(throws: NetCDFError.self) { try x.read(Float.self, start: [0], count: [2]) }
        #expect(wrongRank?.description.contains("need 2 entries, one per dimension (row, column)") == true)
        let outside = #expect(throws: NetCDFError.self) { try x.read(Float.self, start: [1, 1], count: [1, 3]) }
        #expect(outside?.description.contains("start [1, 1] + count [1, 3] lies outside its shape [2, 3] along "
            + "dimension 'column'") == true)
        let negative = #expect(throws: NetCDFError.self) { try x.read(Float.self, start: [0, 0], count: [-1, 3]) }
        #expect(negative != nil)
        let wholeOfWrongSize = #expect(throws: NetCDFError.self) { try x.write([Float]([1, 2])) }
        #expect(wholeOfWrongSize?.description.contains("selects 6 elements but 2 values") == true)
        var small = [Float](repeating: 0, count: 2)
        let smallBuffer = #expect(throws: NetCDFError.self) {
            try small.withUnsafeMutableBufferPointer { try x.read(into: $0, start: [0, 0], count: [1, 3]) }
        }
        #expect(smallBuffer?.description.contains("selects 3 elements but the buffer holds 2") == true)
        // Nothing above reached the file.
        #expect(try x.read(Float.self) == [1, 2, 3, 4, 5, 6])
    }

    @Test func typeMismatchIsNotSilentlyConverted() throws {
        let (directory, url) = try sampleFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let root = try NetCDFFile.open(at: url).root
        let error = #expect(throws: NetCDFError.self) { try root.variable(named: "x").read(Double.self) }
        #expect(error == .typeMismatch(path: url.path, variable: "x", stored: .float32, requested: .float64))
        #expect(error?.description.contains("stores float values but was accessed as double") == true)
        let strings = #expect(throws: NetCDFError.self) { try root.variable(named: "y").readStrings() }
        #expect(strings == .typeMismatch(path: url.path, variable: "y", stored: .int16, requested: .string))
    }

    @Test func misuseOfFilesAndNamesIsReported() throws {
        let (directory, url) = try sampleFile()
        defer { try? FileManager.default.removeItem(at: directory) }
        let readOnly = try NetCDFFile.open(at: url)
        let denied = #expect(throws: NetCDFError.self) {
            try readOnly.root.variable(named: "y").write([Int16]([7]), start: [0], count: [1])
        }
        #expect(denied == .readOnly(path: url.path, operation: "write variable 'y'"))
        #expect(denied?.description.contains("Open it with mode .write") == true)
        let deniedAttribute = #expect(throws: NetCDFError.self) {
            try readOnly.root.attributes.set("epoch", to: .integer(4))
        }
        #expect(deniedAttribute == .readOnly(path: url.path, operation: "write attribute 'epoch' of global attributes"))
        try readOnly.close()

        let writable = try NetCDFFile.open(at: url, mode: .write)
        let axis = try writable.root.dimension(named: "row")
        let slash = #expect(throws: NetCDFError.self) {
            try writable.root.createVariable(named: "m/fc.bias", type: .float32, dimensions: [axis])
        }
        #expect(slash?.description.contains("variable 'm/fc.bias'") == true)
        #expect(slash?.description.contains("Name contains illegal characters") == true)
        let duplicate = #expect(throws: NetCDFError.self) {
            try writable.root.createVariable(named: "x", type: .float32, dimensions: [axis])
        }
        #expect(duplicate?.description.contains("already exists") == true)
        let zeroLength = #expect(throws: NetCDFError.self) { try writable.root.createDimension(named: "z", length: 0) }
        #expect(zeroLength?.description.contains("needs a length of at least 1") == true)
        let nul = #expect(throws: NetCDFError.self) {
            try writable.root.attributes.set("ids", to: .strings(["a\u{0}b"]))
        }
        #expect(nul?.description.contains("contains a NUL byte") == true)

        let variable = try writable.root.variable(named: "x")
        try writable.close()
        let closed = #expect(throws: NetCDFError.self) { try variable.read(Float.self) }
        #expect(closed == .fileClosed(path: url.path))
    }

    @Test func createInMissingDirectoryFails() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("no/such/dir/out.nc")
        let error = #expect(throws: NetCDFError.self) { try NetCDFFile.create(at: url) }
        #expect(error?.description.hasPrefix(url.path + ": NetCDF nc_create failed") == true)
    }
}
