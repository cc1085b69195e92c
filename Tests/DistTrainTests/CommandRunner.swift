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

    /// Runs `dist-train arguments`, under `mpirun -n ranks` when `ranks` is given, and waits at most
    /// `timeout` seconds (then the run is killed and reported as status −1).
    static func run(_ arguments: [String], ranks: Int? = nil, timeout: TimeInterval = 120) throws -> Result {
        let process = Process()
        if let ranks {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["mpirun", "-n", "\(ranks)", "--oversubscribe", "--allow-run-as-root", binary.path] + arguments
        } else {
            process.executableURL = binary
            process.arguments = arguments
        }
        // Output goes to files rather than pipes, so a chatty child never blocks on a full pipe.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dist-train-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputURL = folder.appendingPathComponent("stdout"), errorURL = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()
        let output = (try? String(contentsOf: outputURL, encoding: .utf8)) ?? ""
        let error = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        return Result(status: timedOut ? -1 : process.terminationStatus, output: output,
                      error: timedOut ? "timed out after \(timeout) s\n" + error : error)
    }
}
