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
    ///
    /// A full file system is reported as `NetCDFError.noSpace` (HDF5 itself only says that it could not write):
    /// up front when the file system has less free space than `expectedBytes`, and after a failure when the failing
    /// write left `errno` at ENOSPC or EDQUOT or less than `nearlyFullBytes` are free.
    public static func writeAtomically(to url: URL, expectedBytes: Int64? = nil, _ body: (NetCDFFile) throws -> Void) throws {
        if let expectedBytes, let available = DurableFileOperations.availableBytes(containing: url),
           available < expectedBytes {
            throw NetCDFError.noSpace(path: url.path, availableBytes: available, neededBytes: expectedBytes)
        }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            temporaryNamePrefix(for: url) + "\(getpid())-" + String(UInt64.random(in: .min ... .max), radix: 16))
        do {
            let file = try create(at: temporary)
            do {
                try body(file)
                try file.close()
            } catch {
                let code = errno
                try? file.close()
                throw Self.spaceError(url, errno: code) ?? error
            }
            try DurableFileOperations.synchronizeFile(at: temporary)
            try DurableFileOperations.replace(url, with: temporary)
        } catch {
            let full = Self.spaceError(url, errno: errno)
            DurableFileOperations.removeIfPresent(temporary)
            throw (error as? NetCDFError).flatMap { if case .noSpace = $0 { $0 } else { nil } } ?? full ?? error
        }
        try DurableFileOperations.synchronizeDirectory(containing: url)
    }

    /// Free bytes below which a failed write is put down to a full file system.
    public static let nearlyFullBytes: Int64 = 1 << 20

    /// `.noSpace` for a write of `url` that failed with `errno` if that says the disk is full or the file system
    /// is (nearly) full now; nil otherwise.
    private static func spaceError(_ url: URL, errno code: Int32) -> NetCDFError? {
        let available = DurableFileOperations.availableBytes(containing: url)
        guard code == ENOSPC || code == EDQUOT || (available.map { $0 < nearlyFullBytes } ?? false) else { return nil }
        return .noSpace(path: url.path, availableBytes: available ?? 0, neededBytes: nil)
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
