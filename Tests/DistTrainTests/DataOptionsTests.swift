import ECGNets
import Foundation
import Testing

/// `--data`/`--cache-dir` as the training commands resolve them (exercised through `dist-train dataset`): a raw
/// directory is prepared into the cache once and reused, the default is the simulated data set, every rank of an
/// MPI job opens the same file, and a failure on rank 0 ends every rank.
@Suite(.serialized) struct DataOptionsTests {
    @Test func aRecordDirectoryIsPreparedOnceAndThenReused() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        try PrepareCommandTests.makeRecords(in: records)
        let cache = directory.appendingPathComponent("cache")
        let arguments = ["dataset", "--data", records.path, "--cache-dir", cache.path]
        let first = try CommandRunner.run(arguments)
        #expect(first.status == 0, "\(first.error)")
        #expect(first.output.contains("data: preparing \(records.path)"), "\(first.output)")
        #expect(first.output.contains("3 records; task multi-label, 27 classes, leads I,II,III,aVR,aVL,aVF,V1,V2,V3,V4,V5,V6, 500 Hz"), "\(first.output)")
        let cached = try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".nc") }
        #expect(cached.count == 1 && cached[0].hasPrefix("records-"), "\(cached)")
        let modified = try FileManager.default.attributesOfItem(atPath: cache.appendingPathComponent(cached[0]).path)[.modificationDate] as? Date

        let second = try CommandRunner.run(arguments)
        #expect(second.status == 0, "\(second.error)")
        #expect(!second.output.contains("data: preparing"), "\(second.output)")
        #expect(second.output.contains("data: using the cached \(cache.path)/\(cached[0])"), "\(second.output)")
        let modifiedAgain = try FileManager.default.attributesOfItem(atPath: cache.appendingPathComponent(cached[0]).path)[.modificationDate] as? Date
        #expect(modified != nil && modified == modifiedAgain)

        // A changed record directory is another cache entry.
        try FileManager.default.removeItem(at: records.appendingPathComponent("bad/NOMAT.hea"))
        let third = try CommandRunner.run(arguments)
        #expect(third.output.contains("data: preparing"), "\(third.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.path).filter { $0.hasSuffix(".nc") }.count == 2)
    }

    @Test func aDatasetFileIsOpenedAsItIs() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("sim.nc")
        let prepared = try CommandRunner.run(["prepare", "--simulated", "20", "--out", file.path])
        #expect(prepared.status == 0, "\(prepared.error)")
        let result = try CommandRunner.run(["dataset", "--data", file.path, "--cache-dir", directory.appendingPathComponent("cache").path])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("opened \(file.path) (20 records)"), "\(result.output)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("cache").path))
    }

    @Test func withoutDataEveryRankOpensTheDefaultSimulatedSet() throws {
        let cache = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: cache) }
        let result = try CommandRunner.run(["dataset", "--cache-dir", cache.path], ranks: 2, timeout: 300)
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("data: preparing simulator (1000 records, seed 0, recording faults)"), "\(result.output)")
        for rank in 0..<2 {
            #expect(result.output.contains("dataset: rank \(rank) of 2 opened \(cache.path)/simulated-1000-seed0-"),
                    "\(result.output)")
        }
        let again = try CommandRunner.run(["dataset", "--cache-dir", cache.path], ranks: 2, timeout: 120)
        #expect(again.status == 0 && !again.output.contains("data: preparing"), "\(again.output)")
    }

    @Test func aFailureOnRankZeroEndsEveryRank() throws {
        let started = Date()
        let result = try CommandRunner.run(["dataset", "--data", "/nonexistent/records"], ranks: 2, timeout: 60)
        #expect(result.status != 0 && result.status != -1, "\(result.error)")
        #expect(result.error.contains("dataset: rank 0: --data /nonexistent/records: no such file or directory"),
                "\(result.error)")
        #expect(result.error.contains("dataset: rank 1: rank 0 could not prepare the dataset"), "\(result.error)")
        #expect(Date().timeIntervalSince(started) < 30)
    }
}
