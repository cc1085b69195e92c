import CNetCDF
import Foundation

/// An open NetCDF file (NetCDF-4/HDF5 when created here): owns the library handle, closes it exactly once, and
/// turns every library return code into a thrown `NetCDFError`. Its content is reached through `root`.
///
/// All library calls go through one process-wide lock (NetCDF-C is not thread-safe), and the open/closed state is
/// only touched under that lock, so a file may be shared between threads. HDF5 file locking is off unless the
/// environment sets `HDF5_USE_FILE_LOCKING` (see `HDF5FileLocking`).
public final class NetCDFFile: @unchecked Sendable {
    /// How an existing file is opened.
    public enum Mode: Sendable {
        /// Reading only; every change throws `NetCDFError.readOnly`.
        case readOnly
        /// Reading and changing.
        case write
    }

    /// Where the file is.
    public let url: URL
    /// Whether the file may be changed.
    public let mode: Mode
    private let rootID: Int32
    private var isOpen = true

    private init(url: URL, mode: Mode, rootID: Int32) {
        self.url = url
        self.mode = mode
        self.rootID = rootID
    }

    deinit {
        // Nothing can be reported from deinit; `close()` is the way to see close errors.
        try? close()
    }

    /// Creates a NetCDF-4 (HDF5-based) file at `url`, replacing any existing file, open for writing.
    public static func create(at url: URL) throws(NetCDFError) -> NetCDFFile {
        HDF5FileLocking.disabledUnlessConfigured
        var id: Int32 = 0
        try NetCDFLibraryLock.withLock { () throws(NetCDFError) in
            try check(nc_create(url.path, NC_NETCDF4 | NC_CLOBBER, &id), path: url.path, operation: "nc_create",
                      object: nil)
        }
        return NetCDFFile(url: url, mode: .write, rootID: id)
    }

    /// Opens the existing NetCDF file (classic or NetCDF-4) at `url`; a missing, truncated or non-NetCDF file
    /// throws a `NetCDFError.library` saying which.
    public static func open(at url: URL, mode: Mode = .readOnly) throws(NetCDFError) -> NetCDFFile {
        HDF5FileLocking.disabledUnlessConfigured
        var id: Int32 = 0
        let flags = mode == .write ? NC_WRITE : NC_NOWRITE
        try NetCDFLibraryLock.withLock { () throws(NetCDFError) in
            try check(nc_open(url.path, flags, &id), path: url.path, operation: "nc_open", object: nil)
        }
        return NetCDFFile(url: url, mode: mode, rootID: id)
    }

    /// The root group: global attributes, top-level dimensions, variables and groups.
    public var root: NetCDFGroup {
        NetCDFGroup(file: self, id: rootID, path: "/")
    }

    /// Flushes everything written so far to the operating system (`nc_sync`), so other readers see it.
    public func sync() throws(NetCDFError) {
        try call("nc_sync", object: nil) { nc_sync(rootID) }
    }

    /// Flushes and closes the file; later calls do nothing, later use of its groups and variables throws
    /// `NetCDFError.fileClosed`.
    public func close() throws(NetCDFError) {
        try NetCDFLibraryLock.withLock { () throws(NetCDFError) in
            guard isOpen else { return }
            isOpen = false
            try check(nc_close(rootID), operation: "nc_close", object: nil)
        }
    }

    /// Throws unless the file was opened for writing; `operation` says what was attempted.
    func requireWritable(_ operation: @autoclosure () -> String) throws(NetCDFError) {
        guard mode == .write else { throw .readOnly(path: url.path, operation: operation()) }
    }

    /// Runs `body` under the library lock if the file is still open.
    func withOpenFile<Result>(_ body: () throws(NetCDFError) -> Result) throws(NetCDFError) -> Result {
        try NetCDFLibraryLock.withLock { () throws(NetCDFError) in
            guard isOpen else { throw .fileClosed(path: url.path) }
            return try body()
        }
    }

    /// Makes one library call on the open file and checks its return code.
    func call(_ operation: @autoclosure () -> String, object: @autoclosure () -> String?,
              _ libraryCall: () -> Int32) throws(NetCDFError) {
        try withOpenFile { () throws(NetCDFError) in
            try check(libraryCall(), operation: operation(), object: object())
        }
    }

    /// Throws the error for a non-zero library return code.
    func check(_ status: Int32, operation: @autoclosure () -> String, object: @autoclosure () -> String?)
        throws(NetCDFError) {
        try NetCDFFile.check(status, path: url.path, operation: operation(), object: object())
    }

    /// Reads a name the library writes into a caller-provided buffer of `NC_MAX_NAME + 1` bytes.
    func name(_ operation: @autoclosure () -> String, object: @autoclosure () -> String?,
              _ libraryCall: (UnsafeMutablePointer<CChar>) -> Int32) throws(NetCDFError) -> String {
        let capacity = Int(NC_MAX_NAME) + 1
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: capacity)
        try check(libraryCall(buffer), operation: operation(), object: object())
        return String(cString: buffer)
    }

    private static func check(_ status: Int32, path: String, operation: @autoclosure () -> String,
                              object: @autoclosure () -> String?) throws(NetCDFError) {
        guard status != NC_NOERR else { return }
        throw .library(path: path, operation: operation(), object: object(), code: status,
                       message: String(cString: nc_strerror(status)))
    }
}
