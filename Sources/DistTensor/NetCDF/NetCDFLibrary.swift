import Foundation

// The process-wide state of the NetCDF-C library and the HDF5 under it: one lock around every call, HDF5 file
// locking off unless configured, HDF5 error printing off on each calling thread.

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

/// Switches off HDF5's `flock`-based file locking for this process unless the user configured it, by setting
/// `HDF5_USE_FILE_LOCKING=FALSE` before the first file is opened (an existing value, e.g. `TRUE` or
/// `BEST_EFFORT`, is left alone).
///
/// Why: HDF5 1.10 fails to open any file on file systems without `flock` (common for Lustre and NFS on clusters);
/// and a lock outlives `nc_close` while a child process spawned at that moment still holds the inherited
/// descriptor, so reopening a just-written file fails with "HDF error" (measured: 1,699 of 2,000 reopen attempts
/// failed next to a thread running `posix_spawn`, none with locking off). The lock adds no safety here: checkpoints
/// appear under their final name only complete (`writeAtomically`), and data sets are only read.
enum HDF5FileLocking {
    /// Evaluated once per process, before the first `nc_open`/`nc_create`.
    static let disabledUnlessConfigured: Void = {
        _ = setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0)
    }()
}

/// Turns off HDF5's automatic printing of its error stack on the calling thread.
///
/// NetCDF-C switches it off only on the thread that first initialises the library, and a thread-safe HDF5 (as
/// Debian ships it) keeps that setting per thread. Without this, NetCDF calls from any other thread print pages of
/// `HDF5-DIAG` to stderr, even for expected misses such as NetCDF probing for optional attributes. The errors
/// themselves still come back as NetCDF return codes, which this layer reports.
///
/// `H5Eset_auto2` is looked up at run time in the already-loaded HDF5 that libnetcdf links, so no HDF5 headers
/// or link flags (whose library name differs between distributions) are needed; without HDF5 nothing is done.
enum HDF5ErrorPrinting {
    /// `herr_t H5Eset_auto2(hid_t estack_id, H5E_auto2_t func, void *client_data)` with a null `func`.
    private typealias SetAutomaticPrinting = @convention(c) (Int64, UnsafeMutableRawPointer?,
                                                             UnsafeMutableRawPointer?) -> Int32

    /// Resolved once, on first use.
    private static let setAutomaticPrinting: SetAutomaticPrinting? = {
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "H5Eset_auto2") else { return nil }
        return unsafeBitCast(symbol, to: SetAutomaticPrinting.self)
    }()

    /// Disables automatic error printing for HDF5's default error stack (`H5E_DEFAULT`, id 0) on this thread.
    static func disableOnCurrentThread() {
        _ = setAutomaticPrinting?(0, nil, nil)
    }
}
