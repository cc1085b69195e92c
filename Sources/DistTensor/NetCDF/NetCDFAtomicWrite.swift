import Foundation

/// Crash-safe writing of whole NetCDF files (checkpoints): the new file is built under a temporary name in the
/// target's directory and only renamed over the target once it is complete and on stable storage.
extension NetCDFFile {
    /// Creates a NetCDF-4 file at `url` filled by `body`, such that a crash at any point leaves under `url` either
    /// the previous file or the complete new one, never a partial file.
    ///
    /// Steps: create `.<name>.tmp-<pid>-<random>` beside `url`; run `body`; close it (`nc_close` flushes every
    /// HDF5 buffer, a superset of `nc_sync`); `fsync` the temporary file; `rename` it over `url`; `fsync` the
    /// directory so the rename is durable. If `body` or any step before the rename throws, the temporary file is
    /// deleted, `url` is untouched and the error is rethrown. A crash (rather than an error) can leave a
    /// temporary file behind; `leftoverTemporaryFiles(for:)` finds those for cleaning up.
    public static func writeAtomically(to url: URL, _ body: (NetCDFFile) throws -> Void) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            temporaryNamePrefix(for: url) + "\(getpid())-" + String(UInt64.random(in: .min ... .max), radix: 16))
        do {
            let file = try create(at: temporary)
            do {
                try body(file)
                try file.close()
            } catch {
                try? file.close()
                throw error
            }
            try DurableFileOperations.synchronizeFile(at: temporary)
            try DurableFileOperations.replace(url, with: temporary)
        } catch {
            DurableFileOperations.removeIfPresent(temporary)
            throw error
        }
        try DurableFileOperations.synchronizeDirectory(containing: url)
    }

    /// Temporary files that interrupted `writeAtomically(to: url)` calls left beside `url` (none if the directory
    /// cannot be listed). Delete them only when no other process is writing `url` at the same time.
    public static func leftoverTemporaryFiles(for url: URL) -> [URL] {
        let directory = url.deletingLastPathComponent()
        let prefix = temporaryNamePrefix(for: url)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// The hidden name prefix of temporary files for `url`: `.<name>.tmp-`.
    private static func temporaryNamePrefix(for url: URL) -> String {
        "." + url.lastPathComponent + ".tmp-"
    }
}
