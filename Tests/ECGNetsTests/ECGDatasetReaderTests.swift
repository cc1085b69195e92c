import DistTensor
import ECGNets
import Foundation
import Testing

/// Opening files that are not (or no longer) valid datasets gives typed errors naming the file.
@Suite struct ECGDatasetReaderTests {
    private func inTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try body(directory)
    }

    /// The error of opening `url`, or nil if it opened.
    private func openingError(_ url: URL) -> ECGDatasetError? {
        do {
            _ = try ECGDataset(contentsOf: url)
            return nil
        } catch {
            return error
        }
    }

    @Test func aTextFileIsNotADataset() throws {
        try inTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("notes.nc")
            try Data("not NetCDF\n".utf8).write(to: url)
            let error = try #require(openingError(url))
            guard case .notADataset = error else { Issue.record("got \(error)"); return }
            #expect(error.description.contains(url.path) && error.description.contains("dist-train prepare"))
        }
    }

    @Test func aNetCDFFileOfAnotherKindIsNotADataset() throws {
        try inTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("other.nc")
            try NetCDFFile.writeAtomically(to: url) { file in
                try file.root.attributes.set("title", to: .text("something else"))
            }
            let error = try #require(openingError(url))
            guard case .notADataset = error else { Issue.record("got \(error)"); return }
            #expect(error.description.contains(url.path) && error.description.contains("dataset_format"))
        }
    }

    @Test func anotherFormatVersionIsRefused() throws {
        try inTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("future.nc")
            try NetCDFFile.writeAtomically(to: url) { file in
                try file.root.attributes.set("dataset_format", to: .text(ECGDatasetFormat.name))
                try file.root.attributes.set("format_version", to: .integer(ECGDatasetFormat.version + 1))
            }
            let error = try #require(openingError(url))
            guard case let .unsupportedVersion(_, found, supported) = error else { Issue.record("got \(error)"); return }
            #expect(found == ECGDatasetFormat.version + 1 && supported == ECGDatasetFormat.version)
            #expect(error.description.contains(url.path))
        }
    }

    @Test func aMissingVariableIsNamed() throws {
        try inTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("empty.nc")
            try NetCDFFile.writeAtomically(to: url) { file in
                try file.root.attributes.set("dataset_format", to: .text(ECGDatasetFormat.name))
                try file.root.attributes.set("format_version", to: .integer(ECGDatasetFormat.version))
                try file.root.attributes.set("sampling_frequency", to: .double(500))
                try file.root.attributes.set("preparation_options", to: .text(""))
            }
            let error = try #require(openingError(url))
            guard case let .missingVariable(_, name) = error else { Issue.record("got \(error)"); return }
            #expect(name == "signal")
            #expect(error.description.contains(url.path) && error.description.contains("'signal'"))
        }
    }

    @Test func offsetsThatDoNotTileTheSampleAxisAreFound() throws {
        try inTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("simulated.nc")
            _ = try ECGDatasetPreparation().prepare(.simulator(count: 3, seed: 1), to: url)
            let file = try NetCDFFile.open(at: url, mode: .write)
            try file.root.variable(named: "record_offset").write([Int64(4000)], start: [1], count: [1])
            try file.close()
            let error = try #require(openingError(url))
            guard case .inconsistentIndex = error else { Issue.record("got \(error)"); return }
            #expect(error.description.contains(url.path) && error.description.contains("record 1 (SIM00002)"))
        }
    }

    @Test func readsAreCheckedAgainstTheIndex() throws {
        try inTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("simulated.nc")
            _ = try ECGDatasetPreparation().prepare(.simulator(count: 2, seed: 1), to: url)
            let dataset = try ECGDataset(contentsOf: url)
            #expect(throws: ECGDatasetError.self) { try dataset.signal(of: 2) }
            var small = [Float](repeating: 0, count: 100)
            let error = small.withUnsafeMutableBufferPointer { buffer -> ECGDatasetError? in
                do throws(ECGDatasetError) {
                    try dataset.readSignal(0, into: buffer)
                    return nil
                } catch {
                    return error
                }
            }
            guard case let .bufferSize(_, record, expected, given)? = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(record == 0 && expected == 12 * 5000 && given == 100)
        }
    }
}
