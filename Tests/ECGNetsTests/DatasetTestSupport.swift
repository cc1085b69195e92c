import ECGNets
import Foundation

/// Directories of good and deliberately broken Challenge records for the dataset tests, built from the real
/// records in `Fixtures/wfdb` (see its SOURCE.md).
enum DatasetTestSupport {
    /// The good fixture records.
    static let goodRecords = ["E07500", "E07501", "E07514"]

    /// The broken records `brokenDirectory` writes, with the reason each must be skipped for.
    static let brokenRecords: [(name: String, reason: ECGRecordSkipReason)] = [
        ("T_TRUNCATED", .truncatedSignalFile),
        ("T_LEADCOUNT", .leadCountMismatch),
        ("T_FORMAT", .unsupportedFormat),
        ("T_NAN", .nonFiniteLead),
        ("T_FLAT", .flatLead),
        ("T_NOMAT", .missingSignalFile),
        ("T_BADDX", .invalidDiagnosis),
    ]

    /// Writes the three good records into `directory/georgia/g1` and the broken ones into `directory/broken`,
    /// plus `directory/georgia/g2/T_UNSCORED`: E07501 whose only Dx code (253352002, left atrial abnormality, in
    /// the 2020 unscored map) is not scored.
    static func makeRecordsDirectory(_ directory: URL) throws {
        let good = directory.appendingPathComponent("georgia/g1")
        let broken = directory.appendingPathComponent("broken")
        let unscored = directory.appendingPathComponent("georgia/g2")
        for folder in [good, broken, unscored] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        for name in goodRecords {
            try RecordsTestSupport.copyFixtures([name + ".hea", name + ".mat"], to: good)
        }
        let header = try String(contentsOf: RecordsTestSupport.wfdb("E07500.hea"), encoding: .utf8)
        let mat = try Data(contentsOf: RecordsTestSupport.wfdb("E07500.mat"))
        func write(_ name: String, header text: String, mat data: Data?, in folder: URL = broken) throws {
            try Data(text.replacingOccurrences(of: "E07500", with: name).utf8)
                .write(to: folder.appendingPathComponent(name + ".hea"))
            try data?.write(to: folder.appendingPathComponent(name + ".mat"))
        }
        try write("T_TRUNCATED", header: header, mat: mat.prefix(mat.count - 1000))
        // 11 signal lines declared and present, but the matrix has 12 rows.
        var lines = header.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[0] = "E07500 11 500 5000"
        lines.remove(at: 12)
        try write("T_LEADCOUNT", header: lines.joined(separator: "\n"), mat: mat)
        try write("T_FORMAT", header: header.replacingOccurrences(of: "16x1+24", with: "80"), mat: mat)
        try write("T_NAN", header: header, mat: settingLead(8, of: mat, to: Int16.min))
        try write("T_FLAT", header: header, mat: settingLead(3, of: mat, to: 0))
        try write("T_NOMAT", header: header, mat: nil)
        try write("T_BADDX", header: header.replacingOccurrences(of: "# Dx: 67741000119109,426177001",
                                                                with: "# Dx: 426177001,abc"), mat: mat)
        let e07501 = try String(contentsOf: RecordsTestSupport.wfdb("E07501.hea"), encoding: .utf8)
        try Data(e07501.replacingOccurrences(of: "E07501", with: "T_UNSCORED")
            .replacingOccurrences(of: "# Dx: 253352002,427084000", with: "# Dx: 253352002").utf8)
            .write(to: unscored.appendingPathComponent("T_UNSCORED.hea"))
        try FileManager.default.copyItem(at: RecordsTestSupport.wfdb("E07501.mat"),
                                         to: unscored.appendingPathComponent("T_UNSCORED.mat"))
    }

    /// The Challenge MAT file `mat` (12 leads, column-major int16 after a 24-byte header) with every sample of
    /// `lead` set to `value`.
    static func settingLead(_ lead: Int, of mat: Data, to value: Int16) -> Data {
        var copy = mat
        let samples = (mat.count - 24) / 24
        for sample in 0..<samples {
            let offset = 24 + 2 * (sample * 12 + lead)
            copy[offset] = UInt8(truncatingIfNeeded: UInt16(bitPattern: value))
            copy[offset + 1] = UInt8(truncatingIfNeeded: UInt16(bitPattern: value) >> 8)
        }
        return copy
    }

    /// The int16 samples of a Challenge MAT file as `[lead][sample]`, decoded here independently of ECGNets.
    static func matSamples(_ mat: Data, leads: Int = 12) -> [[Int16]] {
        let samples = (mat.count - 24) / (2 * leads)
        return (0..<leads).map { lead in
            (0..<samples).map { sample in
                let offset = 24 + 2 * (sample * leads + lead)
                return Int16(bitPattern: UInt16(mat[offset]) | UInt16(mat[offset + 1]) << 8)
            }
        }
    }

    /// The SNOMED-CT codes of `Fixtures/challenge-2020/dx_mapping_scored.csv`, in file order (the Challenge's
    /// class order).
    static func scoredCodes() throws -> [String] {
        let csv = try String(contentsOf: RecordsTestSupport.fixtures("challenge-2020")
            .appendingPathComponent("dx_mapping_scored.csv"), encoding: .utf8)
        return csv.split(whereSeparator: \.isNewline).dropFirst().map { String($0.split(separator: ",")[1]) }
    }
}
