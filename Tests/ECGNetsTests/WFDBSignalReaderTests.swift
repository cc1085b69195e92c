import ECGNets
import Foundation
import Testing

@Suite struct WFDBSignalReaderTests {
    /// The same record stored three ways (Challenge `.mat`, and `.dat` format 16 and 212 written by the `wfdb`
    /// Python package) decodes to the same int16 values sample for sample. Format 212 holds 12 bits, so where the
    /// `.mat` value exceeds 2047 (17 samples of V4 and one of V5, counted with numpy) wfdb stored 2047.
    @Test func decodesE07500IdenticallyFromMATFormat16AndFormat212() throws {
        let mat = try WFDBRecord.read(headerAt: RecordsTestSupport.wfdb("E07500.hea")).samples
        let dat16 = try WFDBRecord.read(headerAt: RecordsTestSupport.wfdb("E07500_fmt16.hea")).samples
        let dat212 = try WFDBRecord.read(headerAt: RecordsTestSupport.wfdb("E07500_fmt212.hea")).samples
        #expect(mat.count == 12)
        #expect(mat.allSatisfy { $0.count == 5000 })
        #expect(dat16 == mat)
        #expect(dat212.map(\.count) == mat.map(\.count))
        var clipped = 0
        for (matLead, lead212) in zip(mat, dat212) {
            #expect(matLead.allSatisfy { $0 >= -2047 })
            for (value, value212) in zip(matLead, lead212) {
                if value > 2047 {
                    clipped += 1
                    #expect(value212 == 2047)
                } else {
                    #expect(value212 == value)
                }
            }
        }
        #expect(clipped == 18)
    }

    /// The first MAT elements of E07500 (bytes 24... of the file, read with xxd) are sample 0 of leads I, II, III.
    @Test func readsTheMATMatrixColumnMajor() throws {
        let record = try WFDBRecord.read(headerAt: RecordsTestSupport.wfdb("E07500.hea"))
        #expect(record.samples[0][0] == -68)
        #expect(record.samples[1][0] == -58)
        #expect(record.samples[2][0] == 9)
        #expect(record.samples[3][0] == 63)
    }

    /// A MAT v4 file with big-endian IEEE byte order (type word 1030, every word and sample byte-swapped) reads
    /// the same values as the little-endian original.
    @Test func readsBigEndianMATFiles() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let header = try RecordsTestSupport.copyFixtures(["E07500.hea"], to: directory)
        let original = try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat"))
        var swapped = Data()
        for word: Int32 in [1030, 12, 5000, 0, 4] {
            withUnsafeBytes(of: word.bigEndian) { swapped.append(contentsOf: $0) }
        }
        swapped.append(original[20..<24])
        for index in stride(from: 24, to: original.count, by: 2) {
            swapped.append(contentsOf: [original[index + 1], original[index]])
        }
        try swapped.write(to: directory.appendingPathComponent("E07500.mat"))
        let bigEndian = try WFDBRecord.read(headerAt: header).samples
        #expect(bigEndian == (try WFDBRecord.read(headerAt: RecordsTestSupport.wfdb("E07500.hea")).samples))
    }

    /// Every signal of every fixture record agrees with its header's checksum and initial value, the
    /// independent numbers written by the Challenge organisers and by wfdb.
    @Test(arguments: ["E07500.hea", "E07501.hea", "E07514.hea", "E07500_fmt16.hea", "E07500_fmt212.hea"])
    func samplesAgreeWithHeaderChecksumsAndInitialValues(_ name: String) throws {
        let record = try WFDBRecord.read(headerAt: RecordsTestSupport.wfdb(name))
        for (signal, samples) in zip(record.header.signals, record.samples) {
            let sum = samples.reduce(0) { $0 + Int($1) }
            let checksum = try #require(signal.checksum)
            #expect((sum - checksum) % 65536 == 0, "\(name) \(signal.leadName)")
            #expect(Int(samples[0]) == signal.initialValue, "\(name) \(signal.leadName)")
        }
        #expect(record.checksumFindings().isEmpty)
    }

    /// Samples 2500 and 4999 of every lead, read from the `.mat` files with numpy.
    @Test func spotChecksSamplesAgainstNumpy() throws {
        let expected: [String: [[Int16]]] = [
            "E07501.hea": [[-14, 112, 126, -48, -70, 119, -63, -63, -9, -58, -82, -4],
                           [-78, 19, 97, 29, -87, 58, 146, 24, 82, 117, 9, 34]],
            "E07514.hea": [[-48, -146, -97, 97, 24, -122, -39, -4, -73, -53, -58, -53],
                           [214, 4, -209, -109, 212, -102, -136, -92, -82, -63, -87, -102]],
        ]
        for (name, rows) in expected {
            let samples = try WFDBRecord.read(headerAt: RecordsTestSupport.wfdb(name)).samples
            #expect(samples.map { $0[2500] } == rows[0], "\(name)")
            #expect(samples.map { $0[4999] } == rows[1], "\(name)")
        }
    }

    /// Lead II of E07500 in mV equals the input signal of the scipy resampling reference, which was read by
    /// Python's wfdb/scipy tools from the same record.
    @Test func convertsToMillivoltsLikeTheReference() throws {
        let record = try ECGRecord.load(headerAt: RecordsTestSupport.wfdb("E07500.hea"))
        let reference = try ResampleReference.load()
        #expect(record.id == "E07500")
        #expect(record.samplingFrequency == 500)
        #expect(record.leadNames[1] == "II")
        #expect(record.signals[1] == reference.signal.map(Float.init))
        #expect(record.diagnosisCodes == ["67741000119109", "426177001"])
        #expect(record.age == 78)
        #expect(record.sex == .male)
        #expect(record.sourceDirectory.standardizedFileURL == RecordsTestSupport.fixtures("wfdb").standardizedFileURL)
        #expect(record.loadWarnings.isEmpty)
        #expect(record.validate().isEmpty)
    }

    /// A baseline and non-mV units: (adc - baseline) / gain, scaled to mV; WFDB's invalid sample becomes NaN.
    @Test func appliesBaselineUnitsAndInvalidSamples() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let samples: [Int16] = [110, 90, Int16.min, 100]  // one signal, format 16, little-endian
        var bytes = Data()
        for value in samples { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        try bytes.write(to: directory.appendingPathComponent("r.dat"))
        let header = try RecordsTestSupport.write("r 1 100 4\nr.dat 16 20(100)/uV 16 0 110 0 0 X\n", to: directory,
                                                  as: "r.hea")
        let record = try ECGRecord.load(headerAt: header)
        #expect(record.signals[0][0] == 0.0005)
        #expect(record.signals[0][1] == -0.0005)
        #expect(record.signals[0][2].isNaN)
        #expect(record.signals[0][3] == 0)

        // Without a sample count on the record line, the file's length decides.
        let headerWithoutCount = try RecordsTestSupport.write("r 1 100\nr.dat 16 20(100)/uV 16 0 110 0 0 X\n",
                                                              to: directory, as: "r.hea")
        #expect(try WFDBRecord.read(headerAt: headerWithoutCount).samples == [samples])
    }

    /// The scan finds headers at any depth, ignores other files and hidden folders, and sorts by path.
    @Test func findsEveryHeaderUnderADirectorySorted() throws {
        let directory = try RecordsTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let manager = FileManager.default
        for folder in ["b/deep", "a", ".hidden"] {
            try manager.createDirectory(at: directory.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        for path in ["b/deep/Z1.hea", "b/A2.hea", "a/Q3.hea", "a/Q3.mat", "top.hea", ".hidden/H.hea", "a/notes.txt"] {
            try RecordsTestSupport.write("x", to: directory, as: path)
        }
        let found = try WFDBRecordDirectory.headerURLs(under: directory)
        let relative = found.map { String($0.path.dropFirst(directory.path.count + 1)) }
        #expect(relative == ["a/Q3.hea", "b/A2.hea", "b/deep/Z1.hea", "top.hea"])
    }

    @Test func scansTheFixtureDirectory() throws {
        let found = try WFDBRecordDirectory.headerURLs(under: RecordsTestSupport.fixtures("wfdb"))
        #expect(found.map(\.lastPathComponent)
            == ["E07500.hea", "E07500_fmt16.hea", "E07500_fmt212.hea", "E07501.hea", "E07514.hea"])
    }
}
