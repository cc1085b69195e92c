import DistTensor
import Foundation
import Testing

/// `NetCDFFile.writeAtomically` only ever shows the old or the complete new file under the target name and
/// leaves no temporary files behind when it finishes or throws.
@Suite struct NetCDFAtomicWriteTests {
    private struct InterruptedWrite: Error, Equatable {}

    /// Writes a checkpoint-like file whose `version` attribute and `weight` values identify it.
    private func writeVersion(_ version: Int64, in file: NetCDFFile) throws {
        try file.root.attributes.set("version", to: .integer(version))
        let axis = try file.root.createDimension(named: "n", length: 3)
        try file.root.createVariable(named: "weight", type: .float32, dimensions: [axis])
            .write([Float](repeating: Float(version), count: 3))
    }

    /// The `version` attribute and `weight` values of the file at `url`.
    private func readVersion(at url: URL) throws -> (version: Int64, weight: [Float]) {
        let root = try NetCDFFile.open(at: url).root
        return (try root.attributes.integer(named: "version"), try root.variable(named: "weight").read(Float.self))
    }

    /// Issue 14 item 8: a file system that fills up during the write (a 256 KiB tmpfs, a 1 MiB variable) is
    /// reported as "no space left on device", not as HDF5 damage; the old file stays and no temporary file is left.
    /// And when the expected size is known and does not fit, nothing is written at all.
    @Test(.enabled(if: NetCDFTestSupport.canMountTmpfs, "needs root that may mount a tmpfs"))
    func fullFileSystemIsReportedAsSuch() throws {
        try NetCDFTestSupport.withTmpfs(kibibytes: 256) { directory in
            let url = directory.appendingPathComponent("checkpoint.nc")
            try NetCDFFile.writeAtomically(to: url) { try writeVersion(1, in: $0) }
            do {
                try NetCDFFile.writeAtomically(to: url) { file in
                    try writeVersion(2, in: file)
                    let axis = try file.root.createDimension(named: "big", length: 1 << 18)
                    try file.root.createVariable(named: "big", type: .float32, dimensions: [axis])
                        .write([Float](repeating: 1, count: 1 << 18))
                }
                Issue.record("a 1 MiB file was written into a 256 KiB file system")
            } catch let error as NetCDFError {
                guard case .noSpace = error else { Issue.record("not reported as a full disk: \(error)"); return }
                #expect(error.description.contains("\(url.path): no space left on device: the file system of "
                                                   + "\(directory.path) has"), "\(error.description)")
                #expect(!error.description.contains("HDF5"), "\(error.description)")
            }
            #expect(try NetCDFTestSupport.fileNames(in: directory) == ["checkpoint.nc"])
            #expect(try readVersion(at: url) == (1, [1, 1, 1]))

            #expect {
                try NetCDFFile.writeAtomically(to: url, expectedBytes: 1 << 20) { _ in
                    Issue.record("the write started although it cannot fit")
                }
            } throws: { error in
                guard case let .noSpace(_, _, needed) = error as? NetCDFError else { return false }
                return needed == 1 << 20 && "\(error)".contains("the file needs at least 1.0 MiB")
            }
        }
    }

    @Test func successLeavesOnlyTheTarget() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        try NetCDFFile.writeAtomically(to: url) { try writeVersion(1, in: $0) }
        #expect(try NetCDFTestSupport.fileNames(in: directory) == ["checkpoint.nc"])
        #expect(try readVersion(at: url) == (1, [1, 1, 1]))
    }

    @Test func targetKeepsTheOldFileUntilTheNewOneIsComplete() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        try NetCDFFile.writeAtomically(to: url) { try writeVersion(1, in: $0) }
        try NetCDFFile.writeAtomically(to: url) { file in
            try writeVersion(2, in: file)
            // Mid-write, as a crash would find it: the target is still the complete old file, the new data is
            // only in the hidden temporary file.
            #expect(try readVersion(at: url) == (1, [1, 1, 1]))
            let leftovers = NetCDFFile.leftoverTemporaryFiles(for: url)
            #expect(leftovers.count == 1)
            #expect(leftovers.first?.lastPathComponent.hasPrefix(".checkpoint.nc.tmp-") == true)
        }
        #expect(try readVersion(at: url) == (2, [2, 2, 2]))
        #expect(try NetCDFTestSupport.fileNames(in: directory) == ["checkpoint.nc"])
    }

    @Test func throwingMidwayKeepsTheOldFileAndCleansUp() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        try NetCDFFile.writeAtomically(to: url) { try writeVersion(1, in: $0) }
        #expect(throws: InterruptedWrite()) {
            try NetCDFFile.writeAtomically(to: url) { file in
                let axis = try file.root.createDimension(named: "n", length: 1000)
                let big = try file.root.createVariable(named: "weight", type: .float32, dimensions: [axis])
                try big.write([Float](repeating: 7, count: 500), start: [0], count: [500])
                throw InterruptedWrite()
            }
        }
        #expect(try readVersion(at: url) == (1, [1, 1, 1]))
        #expect(try NetCDFTestSupport.fileNames(in: directory) == ["checkpoint.nc"])
    }

    @Test func libraryErrorsInsideTheBodyPropagate() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        let error = #expect(throws: NetCDFError.self) {
            try NetCDFFile.writeAtomically(to: url) { file in
                _ = try file.root.variable(named: "missing")
            }
        }
        #expect(error?.description.contains("no variable named 'missing'") == true)
        #expect(try NetCDFTestSupport.fileNames(in: directory).isEmpty)
    }

    @Test func missingDirectoryFailsWithoutCreatingAnything() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("absent/checkpoint.nc")
        let error = #expect(throws: NetCDFError.self) {
            try NetCDFFile.writeAtomically(to: url) { try writeVersion(1, in: $0) }
        }
        #expect(error?.description.contains("nc_create failed") == true)
        #expect(try NetCDFTestSupport.fileNames(in: directory).isEmpty)
    }

    @Test func leftoversOfCrashedWritesAreFound() throws {
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        for name in [".checkpoint.nc.tmp-123-abc", "checkpoint.nc", ".other.nc.tmp-1-2", "checkpoint.nc.tmp-9-9"] {
            try Data("x".utf8).write(to: directory.appendingPathComponent(name))
        }
        #expect(NetCDFFile.leftoverTemporaryFiles(for: url).map(\.lastPathComponent) == [".checkpoint.nc.tmp-123-abc"])
    }
}
