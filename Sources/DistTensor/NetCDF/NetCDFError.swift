import CNetCDF
import Foundation

/// Why a NetCDF operation failed: every case names the file and the object involved, and its description says
/// what to do about it.
public enum NetCDFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A NetCDF library call returned an error `code`; `message` is the library's own text (`nc_strerror`),
    /// `object` the variable, group, dimension or attribute it was about (nil for the file itself).
    case library(path: String, operation: String, object: String?, code: Int32, message: String)
    /// The file was closed before this operation.
    case fileClosed(path: String)
    /// A change was attempted on a file opened read-only.
    case readOnly(path: String, operation: String)
    /// A group, dimension, variable or attribute of this name does not exist in `container` (a group or a
    /// variable's attributes); `available` lists what is there.
    case notFound(path: String, kind: String, name: String, container: String, available: [String])
    /// A variable's stored element type differs from the Swift type it is read or written as.
    case typeMismatch(path: String, variable: String, stored: NetCDFType, requested: NetCDFType)
    /// `start`/`count` or the number of values do not fit the variable's rank or shape.
    case shapeMismatch(path: String, variable: String, reason: String)
    /// An attribute of `owner` exists but holds another kind of value (or several values) than was asked for.
    case attributeMismatch(path: String, attribute: String, owner: String, expected: String,
                           found: String)
    /// An argument was rejected before any library call (an invalid length, a string with a NUL byte, ...).
    case invalidArgument(path: String, operation: String, reason: String)
    /// A POSIX call of the atomic-write protocol (`fsync`, `rename`, ...) failed with `errno`.
    case fileSystem(path: String, operation: String, errno: Int32, message: String)
    /// Writing `path` failed, or would fail, because its file system is full (or the user's quota is used up);
    /// `neededBytes` is what the file needs at least, when known.
    case noSpace(path: String, availableBytes: Int64, neededBytes: Int64?)

    public var description: String {
        switch self {
        case let .library(path, operation, object, code, message):
            let about = object.map { " (\($0))" } ?? ""
            return "\(path): NetCDF \(operation)\(about) failed: \(message) [code \(code)]. "
                + NetCDFError.advice(forLibraryCode: code)
        case let .fileClosed(path):
            return "\(path): the NetCDF file is already closed. Open it again before using its groups or variables."
        case let .readOnly(path, operation):
            return "\(path): cannot \(operation): the file is open read-only. Open it with mode .write to change it."
        case let .notFound(path, kind, name, container, available):
            let known = available.isEmpty ? "there are none" : "there are: " + available.joined(separator: ", ")
            return "\(path): no \(kind) named '\(name)' in \(container) (\(known)). Check the name, or whether "
                + "the file was written by another version of the program."
        case let .typeMismatch(path, variable, stored, requested):
            return "\(path): variable '\(variable)' stores \(stored) values but was accessed as \(requested). "
                + "Read or write it with the Swift type matching \(stored)."
        case let .shapeMismatch(path, variable, reason):
            return "\(path): variable '\(variable)': \(reason). Pass start/count with one entry per dimension and "
                + "exactly count[0] * count[1] * ... values."
        case let .attributeMismatch(path, attribute, owner, expected, found):
            return "\(path): attribute '\(attribute)' of \(owner) holds \(found), not \(expected). Read it as what it holds or "
                + "check that the file comes from a compatible writer."
        case let .invalidArgument(path, operation, reason):
            return "\(path): \(operation): \(reason)."
        case let .noSpace(path, available, needed):
            let directory = (path as NSString).deletingLastPathComponent
            let need = needed.map { ", and the file needs at least \(NetCDFError.megabytes($0))" } ?? ""
            return "\(path): no space left on device: the file system of \(directory) has "
                + "\(NetCDFError.megabytes(available)) free\(need). Free space there or write to another directory; "
                + "the files already there are untouched."
        case let .fileSystem(path, operation, errno, message):
            return "\(path): \(operation) failed: \(message) (errno \(errno)). Check that the directory exists, is "
                + "writable and its file system is not full."
        }
    }

    /// `bytes` as MiB with one decimal.
    private static func megabytes(_ bytes: Int64) -> String {
        String(format: "%.1f MiB", Double(bytes) / 1_048_576)
    }

    /// What a user can do about a library error code, for the codes a wrong path or a damaged file produce.
    private static func advice(forLibraryCode code: Int32) -> String {
        switch code {
        case 2: // ENOENT, passed through by nc_open/nc_create
            return "The file or its directory does not exist; check the path."
        case 13: // EACCES
            return "Permission denied; check the file's and directory's permissions."
        case NC_ENOTNC:
            return "The file is not NetCDF (neither classic nor NetCDF-4/HDF5); check that the path names a "
                + "NetCDF file."
        case NC_EHDFERR:
            return "The HDF5 layer could not read or write the file: it is truncated or damaged (for example by an "
                + "interrupted copy or write; use an intact copy or write it again), or it is already open in "
                + "another mode in this process or being written by another process (HDF5 file locking)."
        case NC_EBADNAME:
            return "NetCDF names must start with a letter, digit or '_' and may not contain '/' or control "
                + "characters nor end in a space; use groups for path-like names."
        case NC_ENAMEINUSE:
            return "An object of that name already exists in this group; choose another name."
        case NC_EEDGE, NC_EINVALCOORDS:
            return "start + count exceeds the variable's current shape."
        default:
            return "See the NetCDF-C documentation for this error code."
        }
    }
}
