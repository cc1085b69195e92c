import DistTensor
import ECGNets
import Foundation
import Testing

/// Issue 14 end to end: a diverged checkpoint is refused by every command that reads one, a diverging run stops
/// every rank at the step with the last good checkpoint kept, oversized runs are refused before they allocate,
/// and `score` flags outputs that are not probabilities.
@Suite(.serialized) struct HostileInputTests {
    /// A copy of `checkpoint` at `url` whose first weight is NaN and whose digest is recomputed (so only a check of
    /// the values themselves can tell). Returns the poisoned tensor's name.
    static func poisonedCopy(of checkpoint: URL, to url: URL) throws -> String {
        let reader = try CheckpointReader(url: checkpoint)
        let model = reader.metadata.configuration.makeModel(seed: 0)
        let optimizer = reader.optimizerState.kind.make(parameterCount: model.parameters.parameterCount,
                                                        settings: OptimizerSettings(learningRate: 1e-3, weightDecay: 0))
        try reader.restore(into: model, optimizer: optimizer)
        let entry = try #require(model.parameters.layout.entries.first { $0.kind == .parameter })
        model.parameters.storage(of: entry)[0] = .nan
        try CheckpointWriter.write(to: url, model: model, optimizer: optimizer, metadata: reader.metadata)
        return entry.name
    }

    /// Item 2: inspect, evaluate, predict and train --resume all refuse the NaN checkpoint with the tensor's name.
    @Test func nonFiniteCheckpointIsRefusedByEveryReader() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let checkpoint = try EvaluateCommandTests.makeCheckpoint(in: directory)
        let poisoned = directory.appendingPathComponent("nan.nc")
        let tensor = try Self.poisonedCopy(of: checkpoint, to: poisoned)
        let expected = "holds unusable values in '\(tensor)'"
        let inspected = try CommandRunner.run(["inspect", poisoned.path])
        #expect(inspected.status != 0 && inspected.error.contains(expected), "\(inspected.status) \(inspected.error)")
        // Item 8: inspect's errors do not suggest --resume (inspect resumes nothing).
        #expect(!inspected.error.contains("--resume"), "\(inspected.error)")
        let missing = try CommandRunner.run(["inspect", directory.appendingPathComponent("nowhere.nc").path])
        #expect(missing.status != 0 && missing.error.contains("does not exist") && !missing.error.contains("--resume"),
                "\(missing.error)")
        let evaluated = try CommandRunner.run(["evaluate", "--checkpoint", poisoned.path, "--data", TestDatasets.simulated400,
                                               "--threads", "1"])
        #expect(evaluated.status != 0 && evaluated.error.contains(expected), "\(evaluated.status) \(evaluated.error)")
        #expect(!evaluated.output.contains("Challenge metric"), "\(evaluated.output)")
        let records = directory.appendingPathComponent("records")
        _ = try EvaluateCommandTests.makeRecords(in: records)
        let predicted = try CommandRunner.run(["predict", "--checkpoint", poisoned.path, "--data", records.path,
                                               "--out", directory.appendingPathComponent("out").path])
        #expect(predicted.status != 0 && predicted.error.contains(expected), "\(predicted.status) \(predicted.error)")
        let resumed = try CommandRunner.run(["train", "--widths", "8,16,16,32", "--length", "400", "--batch-size", "8",
                                             "--max-steps", "4", "--threads", "1", "--progress", "lines",
                                             "--data", TestDatasets.simulated400, "--resume", poisoned.path,
                                             "--checkpoint-dir", "again", "--log-dir", "logs"], in: directory)
        #expect(resumed.status != 0 && resumed.status != 75 && resumed.error.contains(expected),
                "\(resumed.status) \(resumed.error)")
    }

    /// Item 5: `--lr 1e30` with SGD on 2 ranks: both ranks stop at the step whose loss, gradients or state went
    /// non-finite, the message names it, the status is a failure (not 75), and every checkpoint left is finite,
    /// the newest being the step before.
    @Test func divergingRunStopsEveryRankAndKeepsTheLastGoodCheckpoint() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CommandRunner.run(["train", "--widths", "8,16,16,32", "--length", "400", "--batch-size", "8",
                                            "--max-steps", "8", "--threads", "1", "--progress", "lines",
                                            "--lr", "1e30", "--optimizer", "sgd", "--lr-schedule", "constant",
                                            "--checkpoint-every", "1", "--data", TestDatasets.simulated400,
                                            "--checkpoint-dir", "checkpoints", "--log-dir", "logs"],
                                           ranks: 2, in: directory, timeout: 120)
        #expect(result.status != 0 && result.status != 75 && result.status != -1, "status \(result.status): \(result.error)")
        #expect(!result.error.contains("Invalid number value"), "\(result.error)")
        let pattern = try Regex(#"training diverged at step (\d+)"#)
        let match = try #require(result.error.firstMatch(of: pattern), "\(result.error)")
        let step = try #require(Int(match.output[1].substring ?? ""))
        #expect(result.error.contains("no checkpoint of this step was written"), "\(result.error)")
        let folder = directory.appendingPathComponent("checkpoints")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("step-") }.sorted()
        #expect(!files.contains(String(format: "step-%06d.nc", step)), "\(files)")
        for file in files { _ = try CheckpointReader(url: folder.appendingPathComponent(file)).makeModel() }
        if step > 1 {
            #expect(files.last == String(format: "step-%06d.nc", step - 1), "\(files)")
        }
    }

    /// Item 3: a run whose network or batch cannot fit is refused before allocating, with the estimate and the flag
    /// to change (it used to abort on a 9 TB and a 38 GB allocation).
    @Test func oversizedRunsAreRefusedWithTheEstimate() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (flag, value, advice) in [("--widths", "100000,100000,100000,100000", "Use smaller --widths"),
                                      ("--length", "100000000", "Use a smaller --length or --batch-size")] {
            let result = try CommandRunner.run(["train", flag, value, "--max-steps", "1", "--threads", "1",
                                                "--data", TestDatasets.simulated400, "--checkpoint-dir", "c", "--log-dir", "l"],
                                               in: directory, timeout: 60)
            #expect(result.status == 1, "\(flag) \(value): status \(result.status): \(result.error)")
            #expect(result.error.contains("this run needs at least") && result.error.contains(advice)
                    && result.error.contains("rank(s) on this node"), "\(result.error)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("c").path))
    }

    /// Items 8 and 10: `--threads 100000` is capped to the cores with a notice, a dataset without validation
    /// records is warned about, and the progress bar's line is ended before any other line is printed.
    @Test func messagesSayWhatHappens() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let trainOnly = directory.appendingPathComponent("train-only.nc")
        let prepared = try CommandRunner.run(["prepare", "--simulated", "16", "--split-fractions", "1,0,0", "--out", trainOnly.path])
        try #require(prepared.status == 0, "\(prepared.error)")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let unvalidated = try CommandRunner.run(["train", "--widths", "8,16,16,32", "--length", "400", "--batch-size", "8",
                                                 "--max-steps", "2", "--threads", "100000", "--progress", "lines",
                                                 "--data", trainOnly.path, "--checkpoint-dir", "c1", "--log-dir", "l1"],
                                                in: directory)
        #expect(unvalidated.status == 0, "\(unvalidated.error)")
        #expect(unvalidated.error.contains("--threads 100000 is more than the \(cores) cores of this machine; using \(cores)"),
                "\(unvalidated.error)")
        #expect(unvalidated.output.contains("x \(cores) thread(s)"), "\(unvalidated.output)")
        #expect(unvalidated.output.contains("has no validation records: training runs without validation"),
                "\(unvalidated.output)")

        let file = directory.appendingPathComponent("notes.txt")
        try Data("x".utf8).write(to: file)
        let logDir = try CommandRunner.run(["train", "--widths", "8,16,16,32", "--length", "400", "--batch-size", "8",
                                            "--max-steps", "1", "--threads", "1", "--data", trainOnly.path,
                                            "--checkpoint-dir", "c3", "--log-dir", file.path], in: directory)
        #expect(logDir.status != 0 && logDir.error.contains("--log-dir \(file.path) cannot hold the metrics logs: it is "
                                                           + "a file, not a directory. Pass a writable directory"),
                "\(logDir.error)")

        let bar = try CommandRunner.run(["train", "--widths", "8,16,16,32", "--length", "400", "--batch-size", "8",
                                         "--max-steps", "3", "--validate-every", "1", "--threads", "1", "--progress", "bar",
                                         "--data", TestDatasets.simulated400, "--checkpoint-dir", "c2", "--log-dir", "l2"],
                                        in: directory)
        #expect(bar.status == 0, "\(bar.error)")
        let barLines = bar.output.split(separator: "\n").filter { $0.contains("ETA") }
        #expect(!barLines.isEmpty, "\(bar.output)")
        for line in barLines {
            #expect(!line.contains("dist-train:") && !line.contains("validation"), "a message continued the bar: \(line)")
        }
    }

    /// Item 8: a disk that fills up while a checkpoint is written ends the job with "no space left on device" (not
    /// HDF5 damage or file locking), and the checkpoints already written stay intact and loadable.
    @Test(.enabled(if: CommandRunner.canMountTmpfs, "needs root that may mount a tmpfs"))
    func fullDiskDuringACheckpointSaysNoSpaceLeft() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // A checkpoint of this network is about 1.3 MB: two fit into 3000 KiB, the third does not.
        try CommandRunner.withTmpfs(kibibytes: 3000) { disk in
            let checkpoints = disk.appendingPathComponent("checkpoints")
            let result = try CommandRunner.run(["train", "--widths", "8,16,16,32", "--length", "400", "--batch-size", "8",
                                                "--max-steps", "6", "--checkpoint-every", "1", "--threads", "1",
                                                "--progress", "lines", "--data", TestDatasets.simulated400,
                                                "--checkpoint-dir", checkpoints.path, "--log-dir", "logs"],
                                               in: directory, timeout: 120)
            #expect(result.status != 0 && result.status != 75 && result.status != -1, "\(result.status) \(result.error)")
            #expect(result.error.contains("no space left on device: the file system of \(checkpoints.path) has"),
                    "\(result.error)")
            #expect(!result.error.contains("HDF5") && !result.error.contains("locking"), "\(result.error)")
            let files = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted()
            #expect(files == ["best.nc", "step-000001.nc", "step-000002.nc"] || files == ["step-000001.nc", "step-000002.nc"],
                    "\(files)")
            for file in files where file.hasPrefix("step-") {
                _ = try CheckpointReader(url: checkpoints.appendingPathComponent(file)).makeModel()
            }
        }
    }

    /// Item 8: a `--log-dir` that cannot be created (on a read-only file system, where even root cannot write) is
    /// our message naming the directory, not Foundation's text alone.
    @Test(.enabled(if: CommandRunner.canMountTmpfs, "needs root that may mount a tmpfs"))
    func unwritableLogDirectoryIsNamed() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try CommandRunner.withTmpfs(kibibytes: 64, options: "ro") { readOnly in
            let logs = readOnly.appendingPathComponent("logs")
            let result = try CommandRunner.run(["train", "--widths", "8,16,16,32", "--length", "400", "--batch-size", "8",
                                                "--max-steps", "1", "--threads", "1", "--data", TestDatasets.simulated400,
                                                "--checkpoint-dir", "c", "--log-dir", logs.path], in: directory)
            #expect(result.status != 0 && result.error.contains("--log-dir \(logs.path) cannot hold the metrics logs: ")
                    && result.error.contains("Pass a writable directory as --log-dir"), "\(result.error)")
        }
    }

    /// Items 1 and 7 through the command line: `prepare --data` given as a symbolic link reads the records, a header
    /// naming `../../../../etc/passwd` is listed as skipped (outside the data directory) without anything about
    /// /etc/passwd, and a link out of the data directory is named with the flag that follows it.
    @Test func prepareReadsOnlyInsideTheDataDirectory() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let real = directory.appendingPathComponent("real")
        _ = try EvaluateCommandTests.makeRecords(in: real)
        let header = try #require(try FileManager.default.contentsOfDirectory(atPath: real.path).sorted()
            .first { $0.hasSuffix(".hea") })
        let name = String(header.dropLast(4))
        let text = try String(contentsOf: real.appendingPathComponent(header), encoding: .utf8)
        try Data(text.replacingOccurrences(of: name + ".mat", with: "../../../../../../etc/passwd")
            .replacingOccurrences(of: name, with: "PASSWD").utf8)
            .write(to: real.appendingPathComponent("PASSWD.hea"))
        let outside = directory.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: real.appendingPathComponent("more"), withDestinationURL: outside)
        let link = directory.appendingPathComponent("data")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        let result = try CommandRunner.run(["prepare", "--data", link.path, "--out", directory.appendingPathComponent("d.nc").path])
        #expect(result.status == 0, "\(result.output) \(result.error)")
        #expect(result.output.contains("1 records skipped: 1 outside data directory"), "\(result.output)")
        #expect(result.output.contains("PASSWD.hea: its file name \"../../../../../../etc/passwd\" leads out of the header's "
                                       + "folder with '..'; it was not opened"), "\(result.output)")
        let passwd = (try FileManager.default.attributesOfItem(atPath: "/etc/passwd")[.size] as? NSNumber)?.intValue ?? -1
        #expect(!result.output.contains("\(passwd) bytes"), "\(result.output)")
        #expect(result.output.contains("note: \(link.path)/more is a symbolic link leading out of the data directory")
                && result.output.contains("--follow-symlinks-outside"), "\(result.output)")
    }
}
