import Foundation

/// The POSIX steps that make a file and its name durable (`fsync` of a file and of a directory, `rename`,
/// `unlink`), each turning a failure into `NetCDFError.fileSystem` with `errno`'s text.
public enum DurableFileOperations {
    /// Forces the file's data and metadata to stable storage.
    static func synchronizeFile(at url: URL) throws(NetCDFError) {
        try synchronize(url.path, flags: O_RDONLY, what: "fsync of the file")
    }

    /// Forces the directory holding `url` to stable storage, so a rename into it survives a power loss.
    static func synchronizeDirectory(containing url: URL) throws(NetCDFError) {
        try synchronize(url.deletingLastPathComponent().path, flags: O_RDONLY | O_DIRECTORY,
                        what: "fsync of the directory")
    }

    /// Atomically replaces `destination` (if any) by `source`; both must be on the same file system.
    static func replace(_ destination: URL, with source: URL) throws(NetCDFError) {
        guard rename(source.path, destination.path) == 0 else {
            throw failure(destination.path, "rename from \(source.lastPathComponent)")
        }
    }

    /// Bytes this process may still write on the file system holding `url` (`statvfs`; root may use the blocks
    /// reserved for it), nil if that cannot be asked.
    static func availableBytes(containing url: URL) -> Int64? {
        var status = statvfs()
        guard statvfs(url.deletingLastPathComponent().path, &status) == 0 else { return nil }
        let blocks = getuid() == 0 ? status.f_bfree : status.f_bavail
        return Int64(clamping: UInt64(blocks) &* UInt64(status.f_frsize))
    }

    /// Writes `data` to `url` so that a reader, a crash or a power loss sees the old file or the new one, never a part:
    /// a temporary file beside it, fsynced, renamed over it, and the directory fsynced (small state files such as a
    /// sweep's; NetCDF files go through `NetCDFAtomicWrite`).
    public static func write(_ data: Data, to url: URL) throws(NetCDFError) {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else {
            throw failure(temporary.path, "create")
        }
        do {
            try synchronizeFile(at: temporary)
            try replace(url, with: temporary)
        } catch {
            removeIfPresent(temporary)
            throw error
        }
        try synchronizeDirectory(containing: url)
    }

    /// Deletes the file at `url` if it exists; used to clean up after a failed write, so it reports nothing.
    static func removeIfPresent(_ url: URL) {
        _ = unlink(url.path)
    }

    private static func synchronize(_ path: String, flags: Int32, what: String) throws(NetCDFError) {
        let descriptor = open(path, flags)
        guard descriptor >= 0 else { throw failure(path, "open for \(what)") }
        defer { _ = close(descriptor) }
        guard fsync(descriptor) == 0 else { throw failure(path, what) }
    }

    private static func failure(_ path: String, _ operation: String) -> NetCDFError {
        let code = errno
        return .fileSystem(path: path, operation: operation, errno: code, message: String(cString: strerror(code)))
    }
}
