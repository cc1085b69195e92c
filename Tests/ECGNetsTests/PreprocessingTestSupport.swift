import ECGNets
import Foundation

/// Records, windows and statistics shared by the preprocessing and augmentation tests.
enum PreprocessingTestSupport {
    static let leadNames = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]

    /// A 500 Hz record whose sample `i` of lead `l` is `l * 100_000 + i` (exact in Float), so a window's values
    /// name the record samples they came from.
    static func indexRecord(samples: Int, leads: Int = 12) -> ECGRecord {
        let signals = (0..<leads).map { lead in (0..<samples).map { Float(lead * 100_000 + $0) } }
        return ECGRecord(id: "INDEX\(samples)", samplingFrequency: 500, leadNames: Array(leadNames.prefix(leads)),
                         signals: signals, sourceDirectory: URL(fileURLWithPath: "/nonexistent"))
    }

    /// Record E07500 of the fixtures (12 leads, 5000 samples at 500 Hz, mV).
    static func e07500() throws -> ECGRecord {
        try ECGRecord.load(headerAt: RecordsTestSupport.wfdb("E07500.hea"))
    }

    /// The first 10-s window of E07500.
    static func e07500Window() throws -> ECGWindow {
        let record = try e07500()
        let windowing = try ECGWindowing()
        return try windowing.window(windowing.firstPlacement(recordLength: record.sampleCount), of: record)
    }

    static func mean<C: Collection>(_ values: C) -> Double where C.Element == Float {
        values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
    }

    /// Population standard deviation (divisor n), as numpy's default `std`.
    static func standardDeviation<C: Collection>(_ values: C) -> Double where C.Element == Float {
        let average = mean(values)
        return (values.reduce(0.0) { $0 + (Double($1) - average) * (Double($1) - average) } / Double(values.count))
            .squareRoot()
    }
}
