import DistTensor
import Foundation

/// Why a dataset file cannot be opened or read; every case names the file, the problem and what to do.
public enum ECGDatasetError: Error, Sendable, CustomStringConvertible {
    /// The file is not NetCDF, or not a dist-train dataset.
    case notADataset(URL, reason: String)
    /// The file's format version is not the one this program reads.
    case unsupportedVersion(URL, found: Int64, supported: Int64)
    /// A variable the format needs is absent.
    case missingVariable(URL, name: String)
    /// A variable or attribute exists but has the wrong type, shape or values.
    case schemaMismatch(URL, object: String, reason: String)
    /// The record offsets and lengths do not tile the sample axis.
    case inconsistentIndex(URL, reason: String)
    /// A record number outside the dataset was asked for.
    case recordOutOfRange(URL, index: Int, count: Int)
    /// A buffer for a record's samples has the wrong size.
    case bufferSize(URL, record: Int, expected: Int, given: Int)
    /// The NetCDF library failed while reading.
    case readFailed(URL, NetCDFError)
    /// The NetCDF library failed while reading one record's samples (a damaged part of the file).
    case recordReadFailed(URL, recordID: String, NetCDFError)
    /// The samples source was built with settings the dataset does not fit (rates, windows).
    case incompatibleSettings(URL, reason: String)

    public var description: String {
        switch self {
        case let .notADataset(url, reason):
            return "\(url.path): not a dist-train ECG dataset (\(reason)). Prepare one with `dist-train prepare --data "
                + "DIR --out FILE.nc`."
        case let .unsupportedVersion(url, found, supported):
            return "\(url.path): dataset format version \(found), but this program reads versions 1 to \(supported). "
                + "Prepare the dataset again with this program."
        case let .missingVariable(url, name):
            return "\(url.path): the dataset has no variable '\(name)'; the file is incomplete or from another "
                + "program. Prepare it again."
        case let .schemaMismatch(url, object, reason):
            return "\(url.path): \(object): \(reason). The file is damaged or from another program; prepare it again."
        case let .inconsistentIndex(url, reason):
            return "\(url.path): the record index is inconsistent (\(reason)). The file is damaged; prepare it again."
        case let .recordOutOfRange(url, index, count):
            return "\(url.path): record \(index) does not exist (the dataset has \(count) records, 0..<\(count))."
        case let .bufferSize(url, record, expected, given):
            return "\(url.path): record \(record) needs a buffer of \(expected) floats (leads x length), not \(given)."
        case let .readFailed(url, error):
            return "\(url.path): reading failed: \(error)"
        case let .recordReadFailed(url, recordID, error):
            return "\(url.path): the samples of record \(recordID) cannot be read, so this part of the file is damaged: \(error) "
                + "Restore an intact copy or prepare the dataset again."
        case let .incompatibleSettings(url, reason):
            return "\(url.path): \(reason)."
        }
    }
}
