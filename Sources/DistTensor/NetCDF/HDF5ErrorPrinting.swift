import Foundation

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
