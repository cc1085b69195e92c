import Foundation
import Testing

/// Checkpoints through the command line: a run stopped by a signal and resumed ends bit-identical to an
/// uninterrupted one; a writer killed mid-write leaves a directory that still resumes; damaged and foreign
/// checkpoints are skipped or refused with messages; another world size resumes with a notice.
@Suite(.serialized) struct CheckpointResumeTests {
    /// A small ResNet34-topology network and Adam, 40 steps of 8 samples (one epoch), so a run takes seconds.
    static let arguments = ["--widths", "8,16,16,32", "--length", "400", "--data", TestDatasets.simulated400, "--batch-size", "8",
                            "--max-steps", "40", "--optimizer", "adam", "--threads", "1", "--progress", "lines"]

    /// The digest `train` prints at its end.
    static func digest(in output: String) -> String? {
        output.split(separator: "\n").last { $0.contains("parameter digest") }?.split(separator: " ").last.map(String.init)
    }

    /// The step a run resumed from, from its "resuming from" line.
    static func resumedStep(in output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("resuming from") }),
              let range = line.range(of: ": step ") else { return nil }
        return Int(line[range.upperBound...].prefix { $0.isNumber })
    }

    /// Runs `arguments` on 2 ranks, sends SIGTERM to both ranks once rank 0's log in `logDirectory` holds `steps`
    /// steps, and returns the stopped job's result (a stopped run exits with 75).
    static func stoppedBySIGTERM(_ arguments: [String], in directory: URL, logDirectory: String, afterSteps steps: Int,
                                 timeout: TimeInterval = 60) throws -> CommandRunner.Result {
        let job = try CommandRunner.Running(arguments, ranks: 2, directory: directory)
        let log = directory.appendingPathComponent("\(logDirectory)/rank-0.jsonl")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && ProcessTree.lineCount(log) < steps { Thread.sleep(forTimeInterval: 0.005) }
        let ranks = ProcessTree.children(of: job.process.processIdentifier)
        try #require(ranks.count == 2, "expected two rank processes under mpirun, found \(ranks)")
        for rank in ranks { kill(rank, SIGTERM) }
        return job.wait(timeout: timeout)
    }

    /// Must-hold 1: under mpirun -n 2, a run stopped by SIGTERM between steps 10 and 30 exits with the documented
    /// status 75 and, resumed with --resume auto, ends with the same parameter digest as an uninterrupted run. It
    /// validates every 8 steps, so the stop falls after a validation: the tuned thresholds, the validation history
    /// and the schedule's state of the final checkpoint must equal the uninterrupted run's too. In both precisions
    /// (bfloat16 rounds the same float32 values the same way, so it resumes bit for bit too).
    @Test(arguments: ["fp32", "bf16"]) func stoppedAndResumedRunEqualsUninterruptedRun(precision: String) throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = Self.arguments + ["--validate-every", "8", "--precision", precision]
        let whole = try CommandRunner.run(arguments + ["--checkpoint-dir", "whole", "--log-dir", "whole-logs"],
                                          ranks: 2, in: directory)
        #expect(whole.status == 0, "\(whole.error)")
        let expected = try #require(Self.digest(in: whole.output), "no digest in: \(whole.output)")

        let stopped = try Self.stoppedBySIGTERM(arguments + ["--checkpoint-dir", "parts", "--log-dir", "parts-logs"], in: directory,
                                                logDirectory: "parts-logs", afterSteps: 12)
        #expect(stopped.status == 75, "status \(stopped.status): \(stopped.error)")
        #expect(stopped.output.contains("stop requested by SIGTERM"), "\(stopped.output)")

        let resumed = try CommandRunner.run(arguments + ["--checkpoint-dir", "parts", "--log-dir", "parts-logs"],
                                            ranks: 2, in: directory)
        #expect(resumed.status == 0, "\(resumed.error)")
        let step = try #require(Self.resumedStep(in: resumed.output), "no resume line in: \(resumed.output)")
        #expect((10...30).contains(step), "stopped at step \(step)")
        #expect(Self.digest(in: resumed.output) == expected, "\(resumed.output)")

        func state(_ run: String) throws -> [String: String] {
            let inspect = try CommandRunner.run(["inspect", "--json", "\(run)/step-000040.nc"], in: directory)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as? [String: Any],
                                      "\(inspect.error)")
            return try ["thresholds", "metricHistory", "trainingState"].reduce(into: [:]) { fields, key in
                let value = try #require(object[key], "no \(key) in \(inspect.output)")
                fields[key] = String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]), as: UTF8.self)
            }
        }
        let (uninterrupted, continued) = (try state("whole"), try state("parts"))
        #expect(uninterrupted == continued)
        #expect(uninterrupted["metricHistory"]?.components(separatedBy: "global_step").count == 6, "five validations: \(uninterrupted)")

        // A finished run started again trains nothing and reports the same network.
        let again = try CommandRunner.run(arguments + ["--checkpoint-dir", "parts", "--log-dir", "parts-logs"], ranks: 2, in: directory)
        #expect(again.status == 0 && again.output.contains("nothing to train"), "\(again.output)\n\(again.error)")
        #expect(Self.digest(in: again.output) == expected)
    }

    /// Issue 16, synthetic augmentation under mpirun -n 2: 80 simulated samples (round(320 · 0.2 / 0.8)) mix into the
    /// 320 real ones of every epoch (50 steps of 8); a run stopped by SIGTERM in its first epoch and resumed runs into
    /// the second epoch's fresh simulated records and ends with the uninterrupted run's parameter digest. The mix is
    /// reported once at the start, recorded in the checkpoint, and a resume with another fraction is refused by the
    /// flag's name.
    @Test func syntheticAugmentationResumesExactly() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = Self.arguments.filter { $0 != "40" && $0 != "--max-steps" }
            + ["--max-steps", "60", "--synthetic-fraction", "0.2", "--synthetic-classes", "LQT,PAC,Brady"]
        let whole = try CommandRunner.run(arguments + ["--checkpoint-dir", "whole", "--log-dir", "whole-logs"], ranks: 2, in: directory)
        #expect(whole.status == 0, "\(whole.error)")
        let expected = try #require(Self.digest(in: whole.output), "no digest in: \(whole.output)")
        // N real training records (320 of the 400), S = round(N · 0.2 / 0.8) simulated ones, steps of 8 over N + S.
        let description = try #require(whole.output.range(of: "simulated-400.nc ("), "\(whole.output)")
        let real = try #require(Int(whole.output[description.upperBound...].prefix { $0.isNumber }), "\(whole.output)")
        let simulated = Int((Double(real) * 0.2 / 0.8).rounded())
        let mixLines = whole.output.split(separator: "\n")
            .filter { $0.contains("epoch: \(real) real + \(simulated) simulated (classes: Brady, PAC, LQT, SVPB;") }
        #expect(mixLines.count == 1, "\(whole.output)")
        #expect(whole.output.contains("\((real + simulated + 7) / 8) steps per epoch, 60 steps"), "\(whole.output)")

        let stopped = try Self.stoppedBySIGTERM(arguments + ["--checkpoint-dir", "parts", "--log-dir", "parts-logs"], in: directory,
                                                logDirectory: "parts-logs", afterSteps: 20)
        #expect(stopped.status == 75, "status \(stopped.status): \(stopped.error)")

        let resumed = try CommandRunner.run(arguments + ["--checkpoint-dir", "parts", "--log-dir", "parts-logs"], ranks: 2, in: directory)
        #expect(resumed.status == 0, "\(resumed.error)")
        let step = try #require(Self.resumedStep(in: resumed.output), "no resume line in: \(resumed.output)")
        #expect((20...49).contains(step), "stopped at step \(step), not in the first epoch")
        #expect(Self.digest(in: resumed.output) == expected, "\(resumed.output)")

        let inspect = try CommandRunner.run(["inspect", "--json", "parts/step-000060.nc"], in: directory)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(inspect.output.utf8)) as? [String: Any], "\(inspect.error)")
        let mix = try #require(object["syntheticMix"] as? [String: Any], "\(inspect.output)")
        #expect(mix["fraction"] as? Double == 0.2 && mix["classWeight"] as? Double == 4)
        #expect(mix["classCodes"] as? [String] == ["426627000", "284470004", "111975006", "63593006"], "\(mix)")

        let other = try CommandRunner.run(arguments.map { $0 == "0.2" ? "0.3" : $0 } + ["--checkpoint-dir", "parts", "--log-dir", "parts-logs"],
                                          ranks: 2, in: directory)
        #expect(other.status != 0)
        #expect(other.error.contains("was trained with --synthetic-fraction 0.2, this run asks for 0.3"), "\(other.error)")
    }

    /// Another world size resumes too, and says what that changes.
    @Test func differentWorldSizeResumesWithNotice() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try CommandRunner.run(Self.arguments + ["--max-steps", "10", "--checkpoint-every", "10"], ranks: 2, in: directory)
        #expect(first.status == 0, "\(first.error)")
        let second = try CommandRunner.run(Self.arguments + ["--max-steps", "14"], in: directory)
        #expect(second.status == 0, "\(second.error)")
        #expect(Self.resumedStep(in: second.output) == 10, "\(second.output)")
        #expect(second.output.contains("the checkpoint was written by 2 rank(s), this job has 1"), "\(second.output)")
        #expect(second.output.contains("BatchNorm") && second.output.contains("dropout"), "\(second.output)")
        #expect(second.output.contains("step 14, parameter digest"))
    }

    /// Must-hold 2: SIGKILL of the writer in the middle of a checkpoint write leaves its temporary file; the next
    /// run deletes it, resumes from the newest complete checkpoint and finishes.
    ///
    /// A full-width ResNet34 with Adam makes every checkpoint about 260 MB, so a write lasts long enough for the
    /// test to see its temporary file appear and kill the process before the rename.
    @Test func killedWriterLeavesAResumableDirectory() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arguments = ["--length", "64", "--data", TestDatasets.simulated400, "--batch-size", "2", "--max-steps", "6", "--checkpoint-every", "1",
                         "--threads", "1", "--progress", "lines"]
        let job = try CommandRunner.Running(arguments, ranks: nil, directory: directory)
        let checkpoints = directory.appendingPathComponent("checkpoints")
        let deadline = Date().addingTimeInterval(120)
        var killedDuringWrite = false
        while Date() < deadline && job.process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpoints.path)) ?? []
            if names.contains("step-000001.nc") && names.contains(where: { $0.hasPrefix(".step-") && $0.contains(".nc.tmp-") }) {
                kill(job.process.processIdentifier, SIGKILL)
                killedDuringWrite = true
                break
            }
            Thread.sleep(forTimeInterval: 0.002)
        }
        _ = job.wait(timeout: 30)
        try #require(killedDuringWrite, "never saw a checkpoint being written")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).filter { $0.contains(".nc.tmp-") }
        try #require(!leftovers.isEmpty, "the kill came after the rename; nothing was interrupted")

        let resumed = try CommandRunner.run(arguments, in: directory, timeout: 300)
        #expect(resumed.status == 0, "\(resumed.error)")
        #expect(resumed.output.contains("removed 1 temporary file(s) of an interrupted checkpoint write"), "\(resumed.output)")
        let step = try #require(Self.resumedStep(in: resumed.output), "\(resumed.output)")
        #expect(step >= 1 && step < 6)
        #expect(resumed.output.contains("step 6, parameter digest"))
        let after = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path)
        #expect(!after.contains { $0.contains(".nc.tmp-") }, "\(after)")
        // --keep-last 3: only the newest three step files remain.
        #expect(after.filter { $0.hasPrefix("step-") }.sorted() == ["step-000004.nc", "step-000005.nc", "step-000006.nc"], "\(after)")
    }

    /// A truncated newest checkpoint is reported and the one before it is used.
    @Test func truncatedNewestCheckpointIsSkipped() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try CommandRunner.run(Self.arguments + ["--max-steps", "10", "--checkpoint-every", "5"], in: directory)
        #expect(first.status == 0, "\(first.error)")
        let newest = directory.appendingPathComponent("checkpoints/step-000010.nc")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: newest.path)[.size] as? Int)
        #expect(truncate(newest.path, off_t(size / 2)) == 0)
        let second = try CommandRunner.run(Self.arguments + ["--max-steps", "12"], in: directory)
        #expect(second.status == 0, "\(second.error)")
        #expect(second.output.contains("skipping a damaged checkpoint: checkpoint \(newest.path) cannot be read; it is truncated or corrupt"),
                "\(second.output)")
        #expect(Self.resumedStep(in: second.output) == 5, "\(second.output)")
    }

    /// A checkpoint of another network is refused, and the message names both models.
    @Test func checkpointOfAnotherModelIsRefused() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try CommandRunner.run(Self.arguments + ["--max-steps", "2"], in: directory)
        #expect(first.status == 0, "\(first.error)")
        let other = try CommandRunner.run(Self.arguments + ["--max-steps", "4", "--model", "resnet18", "--widths", "8,16,32,64"],
                                          in: directory)
        #expect(other.status != 0)
        #expect(other.error.contains("has resnet34 widths [8, 16, 16, 32], this run asks for resnet18 widths [8, 16, 32, 64]"),
                "\(other.error)")
        let seed = try CommandRunner.run(Self.arguments + ["--max-steps", "4", "--seed", "3"], in: directory)
        #expect(seed.status != 0)
        #expect(seed.error.contains("was trained with --seed 0, this run asks for 3"), "\(seed.error)")
    }
}

/// Process and file helpers for tests that signal running jobs.
enum ProcessTree {
    /// The direct children of `parent` (the ranks of an mpirun).
    static func children(of parent: Int32) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == parent
        }
    }

    /// Lines in a file that is being appended to (0 if it does not exist yet).
    static func lineCount(_ url: URL) -> Int {
        ((try? Data(contentsOf: url)) ?? Data()).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}

/// Failures around checkpoints end the whole job with a message, never a hang or a silent fresh start.
@Suite(.serialized) struct CheckpointFailureTests {
    /// Rank 0 cannot write (the checkpoint directory would be inside a regular file): every rank stops with a
    /// failure status, not the resumable 75, and the message says why.
    @Test func writeErrorReachesEveryRank() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent("file").path, contents: Data()))
        let result = try CommandRunner.run(CheckpointResumeTests.arguments + ["--max-steps", "3", "--checkpoint-every", "2",
                                                                              "--checkpoint-dir", "file/checkpoints"],
                                           ranks: 2, in: directory, timeout: 60)
        #expect(result.status != 0 && result.status != 75 && result.status != -1, "status \(result.status)")
        #expect(result.error.contains("could not write the checkpoint of step 2"), "\(result.error)")
    }

    @Test func missingResumeFileIsNamed() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CommandRunner.run(CheckpointResumeTests.arguments + ["--resume", "nowhere/step-000001.nc"], in: directory)
        #expect(result.status != 0)
        #expect(result.error.contains("checkpoint \(directory.path)/nowhere/step-000001.nc does not exist")
                || result.error.contains("nowhere/step-000001.nc does not exist"), "\(result.error)")
    }
}
