import Foundation
import Testing

/// Runs the `dist-train` binary built next to the test bundle, directly or under `mpirun`.
enum CommandRunner {
    /// The `dist-train` executable of this build (the test bundle and it share a build folder).
    static var binary: URL {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = folder.appendingPathComponent("dist-train")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/release/dist-train")
    }

    struct Result {
        let status: Int32
        let output: String
        let error: String
    }

    /// A started command whose output goes to files (a chatty child never blocks on a full pipe).
    final class Running {
        let process = Process()
        let folder: URL

        /// `dist-train arguments` under `mpirun -n ranks` (or alone), or after `launcher` (a command that starts it,
        /// such as `TestCluster`'s mpirun over network namespaces).
        init(_ arguments: [String], ranks: Int?, directory: URL?, launcher: [String]? = nil) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("dist-train-run-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if let launcher {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = launcher + [binary.path] + arguments
            } else if let ranks {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                process.arguments = ["mpirun", "-n", "\(ranks)", "--oversubscribe", "--allow-run-as-root", binary.path] + arguments
            } else {
                process.executableURL = binary
                process.arguments = arguments
            }
            process.currentDirectoryURL = directory
            for name in ["stdout", "stderr"] {
                _ = FileManager.default.createFile(atPath: folder.appendingPathComponent(name).path, contents: nil)
            }
            process.standardOutput = try FileHandle(forWritingTo: folder.appendingPathComponent("stdout"))
            process.standardError = try FileHandle(forWritingTo: folder.appendingPathComponent("stderr"))
            try process.run()
        }

        deinit { try? FileManager.default.removeItem(at: folder) }

        /// Waits at most `timeout` seconds (then kills the command and reports status −1).
        func wait(timeout: TimeInterval) -> Result {
            let deadline = Date().addingTimeInterval(timeout)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            let timedOut = process.isRunning
            if timedOut { process.terminate() }
            process.waitUntilExit()
            let output = (try? String(contentsOf: folder.appendingPathComponent("stdout"), encoding: .utf8)) ?? ""
            let error = (try? String(contentsOf: folder.appendingPathComponent("stderr"), encoding: .utf8)) ?? ""
            return Result(status: timedOut ? -1 : process.terminationStatus, output: output,
                          error: timedOut ? "timed out after \(timeout) s\n" + error : error)
        }
    }

    /// Runs `dist-train arguments` (under `mpirun -n ranks` when given) in `directory` and waits at most
    /// `timeout` seconds.
    static func run(_ arguments: [String], ranks: Int? = nil, in directory: URL? = nil, timeout: TimeInterval = 120) throws -> Result {
        try Running(arguments, ranks: ranks, directory: directory).wait(timeout: timeout)
    }

    /// Mounts a tmpfs of `kibibytes` (with extra mount `options` such as "ro") at a fresh directory for `body`, then
    /// unmounts it; needs root with CAP_SYS_ADMIN (`canMountTmpfs`).
    static func withTmpfs(kibibytes: Int, options: String = "", _ body: (URL) throws -> Void) throws {
        let mountPoint = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: mountPoint) }
        func system(_ arguments: [String]) throws -> Int32 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            return process.terminationStatus
        }
        let extra = options.isEmpty ? "" : "," + options
        guard try system(["mount", "-t", "tmpfs", "-o", "size=\(kibibytes)k\(extra)", "tmpfs", mountPoint.path]) == 0 else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: mountPoint.path])
        }
        defer { _ = try? system(["umount", mountPoint.path]) }
        try body(mountPoint)
    }

    /// Whether this process may mount a tmpfs (root with CAP_SYS_ADMIN, as CI's root is).
    static let canMountTmpfs: Bool = getuid() == 0 && (try? withTmpfs(kibibytes: 64) { _ in }) != nil

    /// A fresh temporary directory, removed by the caller.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dist-train-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
