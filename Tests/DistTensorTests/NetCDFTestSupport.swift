import Foundation

/// Scratch directories and the NetCDF command-line tools (`ncdump`, `ncgen` from Debian's netcdf-bin) for the
/// NetCDF tests.
enum NetCDFTestSupport {
    /// A fresh empty directory under the system's temporary directory; the caller removes it.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("disttensor-netcdf-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Mounts a tmpfs of `kibibytes` at a fresh directory (`options` such as "ro" added), runs `body` with it and
    /// unmounts it; needs root with CAP_SYS_ADMIN (see `canMountTmpfs`).
    static func withTmpfs(kibibytes: Int, options: String = "", _ body: (URL) throws -> Void) throws {
        let mountPoint = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        let extra = options.isEmpty ? "" : "," + options
        guard runProcess("/bin/mount", ["-t", "tmpfs", "-o", "size=\(kibibytes)k\(extra)", "tmpfs", mountPoint.path]) == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: mountPoint.path])
        }
        defer { _ = runProcess("/bin/umount", [mountPoint.path]) }
        try body(mountPoint)
    }

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as CI's root is), tried once.
    static let canMountTmpfs: Bool = {
        guard getuid() == 0 else { return false }
        return (try? withTmpfs(kibibytes: 64) { _ in }) != nil
    }()

    /// The exit status of `executable` with `arguments` (its output discarded), or -1 if it cannot run.
    private static func runProcess(_ executable: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The names of the files in `directory`, sorted, hidden ones included.
    static func fileNames(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    /// The executable `name` on `PATH`, or nil when it is not installed.
    static func tool(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":")
            .map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Whether both `ncdump` and `ncgen` are installed (Debian package netcdf-bin).
    static var netCDFToolsAvailable: Bool {
        tool("ncdump") != nil && tool("ncgen") != nil
    }

    /// Runs tool `name` with `arguments`; returns its exit status, standard output and standard error.
    static func run(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        guard let executable = tool(name) else { return (-1, "", "\(name) is not installed") }
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Output goes to files rather than pipes, so a long dump never blocks on a full pipe.
        let outputURL = folder.appendingPathComponent("stdout"), errorURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOf: outputURL, encoding: .utf8),
                try String(contentsOf: errorURL, encoding: .utf8))
    }
}
