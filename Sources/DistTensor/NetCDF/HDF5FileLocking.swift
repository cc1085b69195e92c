import Foundation

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
