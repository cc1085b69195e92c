import DistTensor
import ECGNets
import Foundation
import Testing

/// Preparing real and broken Challenge records into a dataset file: what is kept, what is skipped and why, and
/// that the file reads back exactly (the references are the fixture files' own bytes and header text).
@Suite struct ECGDatasetPreparationTests {
    /// Runs `body` with a directory of good and broken records and a place for the dataset file.
    private func withRecords(_ body: (_ records: URL, _ output: URL) throws -> Void) throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        try DatasetTestSupport.makeRecordsDirectory(records)
        try body(records, directory.appendingPathComponent("dataset.nc"))
    }

    /// Today's rule for training data, `--drop-flat-leads`: records with a flat or NaN lead are skipped too.
    private static let droppingFlatLeads = ECGDatasetPreparationOptions(dropsFlatLeads: true)

    @Test func brokenRecordsAreSkippedByReasonAndNamed() throws {
        try withRecords { records, output in
            let summary = try ECGDatasetPreparation(options: Self.droppingFlatLeads).prepare(.directory(records), to: output)
            #expect(summary.recordsRead == 11)
            #expect(summary.recordsKept == 4)
            var expected: [ECGRecordSkipReason: Int] = [:]
            for (_, reason) in DatasetTestSupport.brokenRecords { expected[reason, default: 0] += 1 }
            #expect(summary.skipCounts == expected)
            for (name, reason) in DatasetTestSupport.brokenRecords {
                let skip = try #require(summary.skips.first { $0.file.hasSuffix("/broken/\(name).hea") },
                                        "\(name) was not reported as skipped")
                #expect(skip.reason == reason, "\(name): \(skip)")
                #expect(skip.message.contains("/broken/\(name)."), "\(name): the message names no file: \(skip.message)")
            }
            // The counts and the list of skipped files are also in the file.
            let file = try NetCDFFile.open(at: output)
            for reason in ECGRecordSkipReason.allCases {
                #expect(try file.root.attributes.integer(named: "skipped_\(reason.rawValue)") == Int64(expected[reason] ?? 0))
            }
            let skippedFiles = try file.root.variable(named: "skipped_file").readStrings()
            #expect(Set(skippedFiles.map { URL(fileURLWithPath: $0).lastPathComponent })
                == Set(DatasetTestSupport.brokenRecords.map { $0.name + ".hea" }))
            try file.close()
        }
    }

    /// By default every readable record counts: a flat (T_FLAT: aVR all zero) or NaN (T_NAN: V3) lead is stored as
    /// zeros with 0 in the record's lead mask, the record is kept, and the summary and the file count it.
    @Test func flatAndNaNLeadsAreKeptMaskedAndCounted() throws {
        try withRecords { records, output in
            let summary = try ECGDatasetPreparation().prepare(.directory(records), to: output)
            #expect(summary.recordsRead == 11 && summary.recordsKept == 6)
            #expect(summary.skipCounts[.flatLead] == nil && summary.skipCounts[.nonFiniteLead] == nil)
            #expect(summary.maskedLeadRecords.map(\.recordID) == ["T_FLAT", "T_NAN"])
            #expect(summary.maskedLeadRecords.map(\.leads) == [["aVR"], ["V3"]])
            #expect(summary.maskedLeadRecords.allSatisfy { $0.problems.count == 1 })
            let dataset = try ECGDataset(contentsOf: output)
            #expect(dataset.records.map(\.source) == ["broken", "broken", "georgia/g1", "georgia/g1", "georgia/g1", "georgia/g2"])
            let mat = DatasetTestSupport.matSamples(try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat")))
            for (index, lead) in [(0, 3), (1, 8)] {
                let record = dataset.records[index]
                #expect(record.leadMask == (0..<12).map { $0 == lead ? 0 : 1 }, "\(index): \(record.leadMask)")
                #expect(!record.hasAllLeads)
                let signal = try dataset.signal(of: index)
                for other in 0..<12 {
                    let row = Array(signal[other * 5000 ..< (other + 1) * 5000])
                    #expect(row == (other == lead ? [Float](repeating: 0, count: 5000) : mat[other].map { Float($0) * 0.001 }),
                            "record \(index) lead \(other)")
                }
            }
            #expect(dataset.records[2...].allSatisfy { $0.hasAllLeads })
            let file = try NetCDFFile.open(at: output)
            #expect(try file.root.attributes.integer(named: "masked_lead_record_count") == 2)
            try file.close()
        }
    }

    @Test func recordsReadBackExactlyWithLabelsAndDemographics() throws {
        try withRecords { records, output in
            _ = try ECGDatasetPreparation(options: Self.droppingFlatLeads).prepare(.directory(records), to: output)
            let dataset = try ECGDataset(contentsOf: output)
            // Headers sorted by path: georgia/g1/E07500, E07501, E07514, then georgia/g2/T_UNSCORED.
            #expect(dataset.records.map(\.id) == ["E07500", "E07501", "E07514", "T_UNSCORED"])
            #expect(dataset.records.map(\.source) == ["georgia/g1", "georgia/g1", "georgia/g1", "georgia/g2"])
            #expect(dataset.records.map(\.offset) == [0, 5000, 10000, 15000])
            #expect(dataset.records.map(\.length) == [5000, 5000, 5000, 5000])
            #expect(dataset.records.map(\.age) == [78, 65, 29, 65])
            #expect(dataset.records.map(\.sex) == [.male, .male, .male, .male])
            #expect(dataset.records[0].dxCodes == ["67741000119109", "426177001"])
            #expect(dataset.samplingFrequency == 500)
            let scored = try DatasetTestSupport.scoredCodes()
            #expect(dataset.classCodes == scored)
            // Labels: the header codes that dx_mapping_scored.csv lists (none of these records has an equivalent pair).
            let headers = [["67741000119109", "426177001"], ["253352002", "427084000"],
                           ["427084000", "426434006", "59931005"], ["253352002"]]
            for (record, codes) in zip(dataset.records, headers) {
                #expect(record.labels == scored.map { codes.contains($0) ? 1 : 0 }, "\(record.id)")
            }
            // At 500 Hz the samples are the file's integer microvolts: read back exactly.
            for (index, name) in DatasetTestSupport.goodRecords.enumerated() {
                let mat = DatasetTestSupport.matSamples(try Data(contentsOf: RecordsTestSupport.wfdb(name + ".mat")))
                let signal = try dataset.signal(of: index)
                #expect(signal == mat.joined().map { Float($0) * 0.001 }, "\(name)")
            }
        }
    }

    @Test func unlabelledRecordsAreKeptOrDroppedAsAsked() throws {
        try withRecords { records, output in
            let kept = try ECGDatasetPreparation(options: Self.droppingFlatLeads).prepare(.directory(records), to: output)
            #expect(kept.unlabelledRecords == 1 && kept.recordsKept == 4)
            let options = ECGDatasetPreparationOptions(dropsFlatLeads: true, keepsUnlabelledRecords: false)
            let dropped = try ECGDatasetPreparation(options: options).prepare(.directory(records), to: output)
            #expect(dropped.recordsKept == 3 && dropped.unlabelledRecords == 0)
            let skip = try #require(dropped.skips.first { $0.reason == .noScoredLabel })
            #expect(skip.file.hasSuffix("georgia/g2/T_UNSCORED.hea"))
            #expect(try ECGDataset(contentsOf: output).records.map(\.id) == ["E07500", "E07501", "E07514"])
        }
    }

    @Test func aSourceWithoutUsableRecordsLeavesNoFile() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        try DatasetTestSupport.makeRecordsDirectory(records)
        try FileManager.default.removeItem(at: records.appendingPathComponent("georgia"))
        let output = directory.appendingPathComponent("dataset.nc")
        #expect {
            try ECGDatasetPreparation(options: Self.droppingFlatLeads).prepare(.directory(records), to: output)
        } throws: { error in
            "\(error)".contains("all 7 records were skipped")
        }
        #expect(!FileManager.default.fileExists(atPath: output.path))
        #expect(NetCDFFile.leftoverTemporaryFiles(for: output).isEmpty)
    }

    @Test func resampledRecordMatchesScipyResamplePoly() throws {
        let reference = try ResampleReference.load()
        let expected = try #require(reference.cases.first { $0.targetRate == 250 }).poly.data
        try withRecords { records, output in
            let options = ECGDatasetPreparationOptions(samplingFrequency: 250, dropsFlatLeads: true)
            _ = try ECGDatasetPreparation(options: options).prepare(.directory(records), to: output)
            let dataset = try ECGDataset(contentsOf: output)
            #expect(dataset.samplingFrequency == 250)
            #expect(dataset.records.map(\.length) == [2500, 2500, 2500, 2500])
            #expect(dataset.records.map(\.offset) == [0, 2500, 5000, 7500])
            // One record's hyperslab: lead II of E07500 (the second lead), against scipy's resample_poly.
            let signal = try dataset.signal(of: 0)
            let leadII = Array(signal[2500..<5000])
            #expect(expected.count == 2500)
            // Stored at 1 µV: within half a step, plus the reference's 1e-6 mV rounding and float32 arithmetic.
            let worst = zip(leadII, expected).map { abs(Double($0) - $1) }.max() ?? 1
            #expect(worst <= 0.0005 + 2e-6, "largest difference \(worst) mV")
        }
    }

    @Test func simulatedRecordsAreTheSimulatorsSignals() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("simulated.nc")
        let summary = try ECGDatasetPreparation().prepare(.simulator(count: 12, seed: 7), to: output)
        #expect(summary.recordsKept == 12 && summary.skips.isEmpty)
        let dataset = try ECGDataset(contentsOf: output)
        let simulator = ECGSimulator(seed: 7)
        for index in [0, 5, 11] {
            let simulation = simulator.record(at: index)
            let record = dataset.records[index]
            #expect(record.id == String(format: "SIM%05d", index + 1) && record.source == "simulator")
            #expect(record.dxCodes == simulation.dxCodes && record.age == Double(simulation.age))
            let worst = zip(try dataset.signal(of: index), simulation.leads.joined()).map { abs($0 - $1) }.max() ?? 1
            #expect(worst <= 0.0005 + 1e-6, "record \(index): largest difference \(worst) mV")
        }
    }

    /// The built-in default data draws recording faults, and a record whose drawn fault is a flat lead is kept with
    /// exactly that lead masked, while the others keep all twelve: the default job exercises the masking.
    @Test func builtInRecordsWithAFlatLeadAreKeptWithThatLeadMasked() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        guard case let .simulator(_, seed, weights, artifacts) = DatasetLocation.builtInSource else {
            Issue.record("the built-in source is not the simulator"); return
        }
        #expect(artifacts && weights.isEmpty)
        let count = 200
        let source = ECGDatasetSource.simulator(count: count, seed: seed, artifacts: true)
        let summary = try ECGDatasetPreparation().prepare(source, to: directory.appendingPathComponent("faults.nc"))
        #expect(summary.recordsKept == count && summary.skips.isEmpty)
        let simulator = try ECGSimulator(seed: seed, configuration: try #require(source.simulatorConfiguration))
        var flat: [String: [String]] = [:]
        for index in 0..<count {
            if let lead = simulator.record(at: index).truth.artifacts.flatLead {
                flat[String(format: "SIM%05d", index + 1)] = [SimulatedECG.leadNames[lead]]
            }
        }
        #expect(flat.count >= 2, "3 % of \(count) records should draw a flat lead, \(flat.count) did")
        #expect(Dictionary(uniqueKeysWithValues: summary.maskedLeadRecords.map { ($0.recordID, $0.leads) }) == flat)
    }

    @Test func compressedSignalsReadBackTheSame() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plain = directory.appendingPathComponent("plain.nc"), packed = directory.appendingPathComponent("packed.nc")
        let plainSummary = try ECGDatasetPreparation().prepare(.simulator(count: 8, seed: 2), to: plain)
        let packedSummary = try ECGDatasetPreparation(options: ECGDatasetPreparationOptions(deflateLevel: 4))
            .prepare(.simulator(count: 8, seed: 2), to: packed)
        #expect(packedSummary.bytes < plainSummary.bytes)
        let (a, b) = (try ECGDataset(contentsOf: plain), try ECGDataset(contentsOf: packed))
        for index in 0..<8 { #expect(try a.signal(of: index) == b.signal(of: index)) }
    }

    @Test(.enabled(if: ToolSupport.available("ncdump"), "ncdump (netcdf-bin) not installed"))
    func ncdumpReadsTheHeaderAndStorage() throws {
        try withRecords { records, output in
            _ = try ECGDatasetPreparation(options: Self.droppingFlatLeads).prepare(.directory(records), to: output)
            let dump = try ToolSupport.run("ncdump", ["-h", "-s", output.path])
            #expect(dump.status == 0, "ncdump failed: \(dump.error)")
            let lines = Set(dump.output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            for expected in ["lead = 12 ;", "class = 27 ;", "record = 4 ;", "sample = UNLIMITED ; // (20000 currently)",
                             "short signal(lead, sample) ;", "signal:units = \"mV\" ;", "signal:scale_factor = 0.001 ;",
                             "signal:_ChunkSizes = 12, 4096 ;", "int64 record_offset(record) ;",
                             "int record_length(record) ;", "string record_id(record) ;", "string source(record) ;",
                             "double age(record) ;", "age:_FillValue = NaN ;", "byte sex(record) ;",
                             "string dx_codes(record) ;", "ubyte label(record, class) ;", "string class_code(class) ;",
                             "byte split(record) ;", "split:flag_meanings = \"train validation test\" ;",
                             ":format_version = 2LL ;", "ubyte lead_mask(record, lead) ;",
                             "string class_name(class) ;", ":label_kind = \"multi-label\" ;", ":sampling_frequency = 500. ;", ":skipped_record_count = 7LL ;",
                             ":skipped_truncated_signal_file = 1LL ;", ":Conventions = \"CF-1.8\" ;"] {
                #expect(lines.contains(expected), "ncdump -h -s lacks \(expected)")
            }
        }
    }
}

/// Runs the NetCDF command-line tools (`ncdump` from Debian's netcdf-bin) for the dataset tests.
enum ToolSupport {
    /// Whether `name` is on `PATH`.
    static func available(_ name: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(name)") }
    }

    /// Runs `name arguments` through `env`; returns its status, standard output and standard error.
    static func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        let folder = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputURL = folder.appendingPathComponent("stdout"), errorURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: outputURL, encoding: .utf8),
                try String(contentsOf: errorURL, encoding: .utf8))
    }
}
