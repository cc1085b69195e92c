import Foundation

/// Serialises every call into the NetCDF-C library, which is not thread-safe: one process-wide lock, taken around
/// each NetCDF operation, so files may be used from any thread (each of which gets HDF5's error printing off).
enum NetCDFLibraryLock {
    private static let lock = NSRecursiveLock()

    /// Runs `body` while holding the library lock.
    static func withLock<Result>(_ body: () throws(NetCDFError) -> Result) throws(NetCDFError) -> Result {
        lock.lock()
        defer { lock.unlock() }
        HDF5ErrorPrinting.disableOnCurrentThread()
        return try body()
    }
}
