import DistTensor
import ECGNets
import Foundation
import Testing

/// Tasks as data through `prepare`: lead sets by name, labels from a CinC 2017 style REFERENCE.csv (single-label),
/// a user's SNOMED-CT class list, the 2021 classes, resampling to 300 Hz, and datasets of format version 1.
@Suite struct ECGTaskDatasetTests {
    @Test func leadSetsByNameAndSize() throws {
        #expect(try ECGTask.leads(parsing: "12") == ECGTask.twelveLeads)
        #expect(try ECGTask.leads(parsing: "6") == ["I", "II", "III", "aVR", "aVL", "aVF"])
        #expect(try ECGTask.leads(parsing: "4") == ["I", "II", "III", "V2"])
        #expect(try ECGTask.leads(parsing: "3") == ["I", "II", "V2"])
        #expect(try ECGTask.leads(parsing: "2") == ["I", "II"])
        #expect(try ECGTask.leads(parsing: "II") == ["II"])
        #expect(try ECGTask.leads(parsing: "ii, avf,V6") == ["II", "aVF", "V6"])
        #expect(throws: ECGTaskError.unknownLead("V7", in: "II,V7")) { try ECGTask.leads(parsing: "II,V7") }
        #expect(throws: ECGTaskError.duplicateLead("II", in: "II,ii")) { try ECGTask.leads(parsing: "II,ii") }
    }

    /// Writes `count` CinC 2017 style simulated records and their REFERENCE.csv into `directory`.
    static func writeCinC2017(_ count: Int, seed: UInt64, to directory: URL) throws -> [String: String] {
        let simulator = CinC2017Simulator(seed: seed)
        var labels: [String: String] = [:]
        var reference = ""
        for index in 0..<count {
            let record = simulator.record(at: index)
            let id = String(format: "A%05d", index + 1)
            _ = try ChallengeRecordWriter().write(record.record(id: id, in: directory), to: directory)
            labels[id] = record.label
            reference += "\(id),\(record.label)\n"
        }
        try reference.write(to: directory.appendingPathComponent("REFERENCE.csv"), atomically: true, encoding: .utf8)
        return labels
    }

    /// Leads by name, and the one alias: a record whose only lead is named ECG (CinC 2017) gives a one-lead task's lead
    /// whatever it is called, and no lead of a larger task or of a record with other leads besides.
    @Test func aSingleLeadNamedECGIsTheLeadOfAOneLeadTask() {
        func task(_ leads: [String]) -> ECGTask {
            ECGTask(labelKind: .singleLabel, classes: ECGTask.cinc2017Classes, leads: leads, samplingFrequency: 300)
        }
        #expect(task(["II"]).positions(inLeadsNamed: ["ECG"]) == [0])
        #expect(task(["I"]).positions(inLeadsNamed: ["ecg"]) == [0])
        #expect(task(["I", "II"]).positions(inLeadsNamed: ["ECG"]) == [nil, nil])
        #expect(task(["II"]).positions(inLeadsNamed: ["ECG", "I"]) == [nil])
        #expect(task(["II", "V1"]).positions(inLeadsNamed: ["v1", "I", "ii"]) == [2, 0])
    }

    @Test func cinc2017RecordsPrepareAsASingleLabelSingleLeadTask() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        let labels = try Self.writeCinC2017(40, seed: 3, to: records)
        #expect(Set(labels.values) == ["N", "A", "O", "~"], "40 records draw every class: \(labels.values.sorted())")
        let options = ECGDatasetPreparationOptions(
            samplingFrequency: 300, labels: try .reference(at: records.appendingPathComponent("REFERENCE.csv")),
            leads: ["II"])
        let output = directory.appendingPathComponent("cinc2017.nc")
        let summary = try ECGDatasetPreparation(options: options).prepare(.directory(records), to: output)
        #expect(summary.recordsKept == 40 && summary.skips.isEmpty && summary.maskedLeadRecords.isEmpty)
        let dataset = try ECGDataset(contentsOf: output)
        #expect(dataset.task == ECGTask(labelKind: .singleLabel, classes: ECGTask.cinc2017Classes, leads: ["II"],
                                        samplingFrequency: 300))
        #expect(dataset.task.challengeClasses == nil)
        #expect(dataset.task.loss(classWeights: nil) == .softmaxCrossEntropy(classWeight: nil))
        let simulator = CinC2017Simulator(seed: 3)
        for (index, record) in dataset.records.enumerated() {
            let label = try #require(labels[record.id])
            #expect(record.labels == ECGTask.cinc2017Classes.map { $0.code == label ? 1 : 0 }, "\(record.id)")
            #expect((2700...9000).contains(record.length), "\(record.id): \(record.length) samples")
            if index < 3 {
                // At the records' own rate the stored samples are the written ones (1 µV steps).
                let written = simulator.record(at: Int(record.id.dropFirst())! - 1).leadII
                let worst = zip(try dataset.signal(of: index), written).map { abs($0 - $1) }.max() ?? 1
                #expect(worst <= 0.0005 + 1e-6, "\(record.id): \(worst) mV")
            }
        }
        #expect(Set(dataset.records.map(\.length)).count > 10, "lengths vary")
        // Records without a reference line are skipped, counted and named.
        try "A00001,N\n".write(to: records.appendingPathComponent("REFERENCE.csv"), atomically: true, encoding: .utf8)
        let partial = ECGDatasetPreparationOptions(
            samplingFrequency: 300, labels: try .reference(at: records.appendingPathComponent("REFERENCE.csv")), leads: ["II"])
        let partialSummary = try ECGDatasetPreparation(options: partial).prepare(.directory(records), to: output)
        #expect(partialSummary.recordsKept == 1 && partialSummary.skipCounts == [.noReferenceLabel: 39])
        #expect(partialSummary.skips[0].message.contains("record A00002 has no line in"))
    }

    @Test func referenceFilesAreCheckedLineByLine() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("REFERENCE.csv")
        try "A00001,N\nA00002,A\nA00003\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ECGTaskError.invalidFile(path: file.path, line: 3, reason: "'A00003' is not RECORD,LABEL (e.g. A00001,N)")) {
            try ECGLabelSource.reference(at: file)
        }
        try "A00001,N\nA00002,A\nA00001,O\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ECGTaskError.invalidFile(path: file.path, line: 3, reason: "record A00001 is labelled both N and O")) {
            try ECGLabelSource.reference(at: file)
        }
        try "r1,beat\nr2,noise\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try ECGLabelSource.reference(at: file).classes.map(\.code) == ["beat", "noise"])
    }

    /// Lead subsets are the same samples as the 12-lead preparation's rows of those leads.
    @Test(arguments: ["6", "II", "3"])
    func leadSubsetsAreTheNamedRows(set: String) throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let full = directory.appendingPathComponent("12.nc"), subset = directory.appendingPathComponent("subset.nc")
        _ = try ECGDatasetPreparation().prepare(.simulator(count: 3, seed: 4), to: full)
        let leads = try ECGTask.leads(parsing: set)
        _ = try ECGDatasetPreparation(options: ECGDatasetPreparationOptions(leads: leads))
            .prepare(.simulator(count: 3, seed: 4), to: subset)
        let (a, b) = (try ECGDataset(contentsOf: full), try ECGDataset(contentsOf: subset))
        #expect(b.leadNames == leads && b.leadCount == leads.count && b.task.labelKind == .multiLabel)
        #expect(b.records.map(\.labels) == a.records.map(\.labels))
        for index in 0..<3 {
            let length = a.records[index].length
            let (fullSignal, subsetSignal) = (try a.signal(of: index), try b.signal(of: index))
            for (row, lead) in leads.enumerated() {
                let source = ECGTask.twelveLeads.firstIndex(of: lead)!
                #expect(Array(subsetSignal[row * length ..< (row + 1) * length])
                    == Array(fullSignal[source * length ..< (source + 1) * length]), "\(set): \(lead)")
            }
        }
    }

    /// A record that lacks requested leads is kept with those leads zero and masked; one with none of them is skipped.
    @Test func missingLeadsAreMaskedAndRecordsWithoutAnyAreSkipped() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        _ = try Self.writeCinC2017(2, seed: 1, to: records)
        let output = directory.appendingPathComponent("twelve.nc")
        let summary = try ECGDatasetPreparation(options: ECGDatasetPreparationOptions(samplingFrequency: 300))
            .prepare(.directory(records), to: output)
        #expect(summary.recordsKept == 2 && summary.maskedLeadRecords.count == 2)
        #expect(summary.maskedLeadRecords[0].leads == ECGTask.twelveLeads.filter { $0 != "II" })
        let dataset = try ECGDataset(contentsOf: output)
        #expect(dataset.records[0].leadMask == ECGTask.twelveLeads.map { $0 == "II" ? 1 : 0 })
        let dropped = try ECGDatasetPreparation(options: ECGDatasetPreparationOptions(samplingFrequency: 300, dropsFlatLeads: true))
        #expect(throws: ECGDatasetPreparationError.self) { try dropped.prepare(.directory(records), to: output) }
        let v1only = try ECGDatasetPreparation(options: ECGDatasetPreparationOptions(samplingFrequency: 300, leads: ["V1"]))
        let result = Result { try v1only.prepare(.directory(records), to: output) }
        guard case let .failure(error) = result, case let .noUsableRecords(_, skips) = error as? ECGDatasetPreparationError else {
            Issue.record("records without lead V1 were not skipped: \(result)")
            return
        }
        #expect(skips.map(\.reason) == [.nonstandardLeads, .nonstandardLeads])
        #expect(skips[0].message.contains("none of the task's leads V1"))
    }

    @Test func snomedListsAndThe2021Classes() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let records = directory.appendingPathComponent("records")
        try DatasetTestSupport.makeRecordsDirectory(records)
        let list = directory.appendingPathComponent("classes.txt")
        try "# my classes\n427084000\n426177001,sinus brady\n59931005\n".write(to: list, atomically: true, encoding: .utf8)
        let source = try ECGLabelSource.snomedList(at: list)
        #expect(source.classes == [.init(code: "427084000", name: "STach"), .init(code: "426177001", name: "sinus brady"),
                                   .init(code: "59931005", name: "TInv")])
        let output = directory.appendingPathComponent("mine.nc")
        _ = try ECGDatasetPreparation(options: ECGDatasetPreparationOptions(labels: source, dropsFlatLeads: true))
            .prepare(.directory(records), to: output)
        let dataset = try ECGDataset(contentsOf: output)
        #expect(dataset.classCodes == ["427084000", "426177001", "59931005"])
        // E07500: 426177001; E07501: 427084000; E07514: 427084000 and 59931005; T_UNSCORED: none.
        #expect(dataset.records.map(\.labels) == [[0, 1, 0], [1, 0, 0], [1, 0, 1], [0, 0, 0]])
        let bad = directory.appendingPathComponent("bad.txt")
        try "427084000\nSTach\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: ECGTaskError.self) { try ECGLabelSource.snomedList(at: bad) }

        let twentyOne = directory.appendingPathComponent("2021.nc")
        _ = try ECGDatasetPreparation(options: ECGDatasetPreparationOptions(labels: .challenge2021, dropsFlatLeads: true))
            .prepare(.directory(records), to: twentyOne)
        let dataset2021 = try ECGDataset(contentsOf: twentyOne)
        #expect(dataset2021.classCodes.count == 30)
        #expect(dataset2021.task.challengeClasses?.scoring.year == 2021)
        let stach = try #require(dataset2021.classCodes.firstIndex(of: "427084000"))
        #expect(dataset2021.records[1].labels[stach] == 1)
    }

    /// A file written by the code before tasks existed reads as the 12-lead, 27-class multi-label task at 500 Hz,
    /// with the samples, Dx codes and labels that netCDF's own `ncdump` reads from it (`expected.json`, written by
    /// `make_expected.py` beside the file). The file's records were drawn by the simulator of commit a22bb65, which
    /// has changed since, so today's simulator is no reference for them.
    @Test func formatVersion1StillReads() throws {
        struct Expected: Decodable {
            struct Record: Decodable {
                let dx_codes: [String]
                let label: [UInt8]
                let lead_sums: [Int]
                let lead_sums_of_squares: [Int]
                let first_samples: [[Int]]?
            }
            let records: [Record]
        }
        let directory = ChallengeFixtures.directory("dataset-v1")
        let expected = try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: directory.appendingPathComponent("expected.json")))
        let dataset = try ECGDataset(contentsOf: directory.appendingPathComponent("simulated-3.nc"))
        #expect(dataset.formatVersion == 1)
        #expect(dataset.task == ECGTask.challenge2020)
        #expect(dataset.records.count == 3 && dataset.records.allSatisfy { $0.hasAllLeads })
        for (index, reference) in expected.records.enumerated() {
            #expect(dataset.records[index].dxCodes == reference.dx_codes)
            #expect(dataset.records[index].labels == reference.label)
            // Stored as int16 microvolts with scale factor 0.001: back to exact integers.
            let signal = try dataset.signal(of: index)
            #expect(signal.count == 12 * 5000)
            let microvolts = signal.map { Int(($0 * 1000).rounded()) }
            let leads = (0..<12).map { Array(microvolts[($0 * 5000)..<(($0 + 1) * 5000)]) }
            #expect(leads.map { $0.reduce(0, +) } == reference.lead_sums, "record \(index)")
            #expect(leads.map { $0.reduce(0) { $0 + $1 * $1 } } == reference.lead_sums_of_squares, "record \(index)")
            if let first = reference.first_samples {
                #expect(leads.map { Array($0.prefix(first[0].count)) } == first, "record \(index)")
            }
        }
    }

    @Test func theCinC2017SimulatorIsDeterministicAndLabelsLikeTheChallenge() {
        let simulator = CinC2017Simulator(seed: 9)
        let first = (0..<60).map { simulator.record(at: $0) }
        let again = simulator.record(at: 17)
        #expect(again.leadII == first[17].leadII && again.label == first[17].label)
        var counts: [String: Int] = [:]
        for record in first { counts[record.label, default: 0] += 1 }
        #expect(counts["N", default: 0] > counts["A", default: 0] && counts["N", default: 0] > counts["~", default: 0],
                "normal records are the most common: \(counts)")
        for record in first {
            let seconds = Double(record.leadII.count) / CinC2017Simulator.samplingRate
            #expect(CinC2017Simulator.durations.contains(seconds))
        }
        // Noisy records are far louder than the others (median absolute deviation of the first difference).
        func roughness(_ values: [Float]) -> Float {
            let steps = zip(values.dropFirst(), values).map { abs($0 - $1) }.sorted()
            return steps[steps.count / 2]
        }
        let noisy = first.filter { $0.label == "~" }.map { roughness($0.leadII) }
        let clean = first.filter { $0.label != "~" }.map { roughness($0.leadII) }
        #expect(!noisy.isEmpty && (noisy.min() ?? 0) > 3 * (clean.max() ?? 1), "noisy \(noisy), clean max \(clean.max() ?? 0)")
    }
}
