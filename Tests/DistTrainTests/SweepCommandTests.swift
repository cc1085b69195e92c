import Foundation
import Testing

/// `dist-train sweep` under mpirun: a grid in groups of two ranks equals `train` run alone, a SIGTERMed sweep continued
/// with the same command ends with the same results, successive halving stops a bad trial at its first rung, a value
/// train refuses fails only its trial, and a space naming no train option is refused.
@Suite(.serialized) struct SweepCommandTests {
    /// The base train options: a small ResNet, 8 steps of 8 samples, validation every 4 steps.
    static let base = ["--widths", "8,16,16,32", "--length", "400", "--data", TestDatasets.simulated400, "--batch-size", "8",
                       "--max-steps", "8", "--validate-every", "4", "--threads", "1", "--progress", "lines"]

    /// A 2 x 2 x 2 grid: 8 trials.
    static let gridSpace = #"{"lr": [0.001, 0.003], "optimizer": ["adam", "sgd"], "dropout": [0, 0.1]}"#

    static func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        try Data(text.utf8).write(to: directory.appendingPathComponent(name))
        return name
    }

    /// The trials of a sweep's results.json.
    static func trials(_ sweep: String, in directory: URL) throws -> [[String: Any]] {
        let data = try Data(contentsOf: directory.appendingPathComponent(sweep).appendingPathComponent("results.json"))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["trials"] as? [[String: Any]])
    }

    /// The `count` rank processes under `job`'s mpirun, once its state file records `trials` completed trials (or
    /// after two minutes).
    static func ranks(of job: CommandRunner.Running, count: Int, onceCompleted trials: Int, state: URL) throws -> [pid_t] {
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline,
              ((try? String(contentsOf: state, encoding: .utf8)) ?? "").components(separatedBy: "\"completed\"").count <= trials {
            Thread.sleep(forTimeInterval: 0.02)
        }
        let ranks = ProcessTree.children(of: job.process.processIdentifier)
        try #require(ranks.count == count, "expected \(count) rank processes under mpirun, found \(ranks)")
        return ranks
    }

    /// Whether process `pid` has `file` open (one of the links in /proc/PID/fd points at it).
    static func holdsOpen(_ file: URL, process pid: pid_t) -> Bool {
        let descriptors = "/proc/\(pid)/fd"
        let target = file.resolvingSymlinksInPath().path
        return ((try? FileManager.default.contentsOfDirectory(atPath: descriptors)) ?? []).contains { descriptor in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: descriptors + "/" + descriptor)) == target
        }
    }

    /// results.txt without its seconds column (the only one that may differ between two runs), cut at the column's
    /// place in the header: a status such as "stopped early" holds a space, so the columns are not words.
    static func table(_ sweep: String, in directory: URL) throws -> [String] {
        let text = try String(contentsOf: directory.appendingPathComponent(sweep).appendingPathComponent("results.txt"), encoding: .utf8)
        let rows = text.split(separator: "\n").map(Array.init)
        let header = String(try #require(rows.first))
        let start = try #require(header.range(of: "seconds ")), end = try #require(header.range(of: "digest "))
        let cut = header.distance(from: header.startIndex, to: start.lowerBound)..<header.distance(from: header.startIndex, to: end.lowerBound)
        return rows.map { row in String(row[..<min(cut.lowerBound, row.count)]) + String(row[min(cut.upperBound, row.count)...]) }
    }

    /// Must-holds 1 and 2: an 8-trial grid on simulated records under `mpirun -n 4` with 2 ranks per trial completes,
    /// every trial's final digest equals `train` of the same configuration alone under `mpirun -n 2`; the same sweep
    /// SIGTERMed part-way exits with 75 and, started again with the same command, ends with the same table and digests,
    /// having run no step twice (each trial's metrics log has exactly one line per step).
    @Test func gridInRankGroupsEqualsTrainAloneAndSurvivesSIGTERM() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let space = try Self.write(Self.gridSpace, "space.json", in: directory)
        let sweep = ["sweep", "--space", space, "--ranks-per-trial", "2"] + Self.base
        let whole = try CommandRunner.run(sweep + ["--sweep-dir", "whole"], ranks: 4, in: directory, timeout: 300)
        try #require(whole.status == 0, "\(whole.output)\n\(whole.error)")
        let trials = try Self.trials("whole", in: directory)
        #expect(trials.count == 8)
        #expect(trials.allSatisfy { $0["status"] as? String == "completed" && $0["steps"] as? Int == 8 }, "\(trials)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("whole/best/best.nc").path))
        let best = try #require(trials.first?["id"] as? Int)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: directory.appendingPathComponent("whole/best").path)
                == String(format: "trials/trial-%03d/checkpoints", best))
        for trial in trials {
            let values = try #require(trial["values"] as? [String: Any])
            let options = values.keys.sorted().flatMap { ["--\($0)", "\(values[$0]!)"] }
            let alone = try CommandRunner.run(Self.base + options + ["--checkpoint-dir", "alone-\(trial["id"]!)", "--log-dir", "alone-logs"],
                                              ranks: 2, in: directory)
            #expect(alone.status == 0, "\(alone.error)")
            #expect(CheckpointResumeTests.digest(in: alone.output) == trial["digest"] as? String, "trial \(trial), train \(options)")
        }

        // The same sweep, SIGTERMed once two trials have finished.
        let job = try CommandRunner.Running(sweep + ["--sweep-dir", "parts"], ranks: 4, directory: directory)
        let state = directory.appendingPathComponent("parts/sweep-state.json")
        let ranks = try Self.ranks(of: job, count: 4, onceCompleted: 2, state: state)
        for rank in ranks { kill(rank, SIGTERM) }
        let stopped = job.wait(timeout: 120)
        #expect(stopped.status == 75, "status \(stopped.status): \(stopped.output)\n\(stopped.error)")
        let finishedBefore = try Self.trials("parts", in: directory).filter { $0["status"] as? String == "completed" }.count
        #expect((2..<8).contains(finishedBefore), "\(finishedBefore) trials finished before the stop")

        let continued = try CommandRunner.run(sweep + ["--sweep-dir", "parts"], ranks: 4, in: directory, timeout: 300)
        #expect(continued.status == 0, "\(continued.output)\n\(continued.error)")
        #expect(continued.output.contains("resuming trial"), "an interrupted trial resumes: \(continued.output)")
        #expect(try Self.table("parts", in: directory) == (try Self.table("whole", in: directory)))
        for trial in try Self.trials("parts", in: directory) {
            let log = directory.appendingPathComponent(String(format: "parts/trials/trial-%03d/logs/rank-0.jsonl", trial["id"] as! Int))
            #expect(ProcessTree.lineCount(log) == 8, "trial \(trial["id"]!) ran \(ProcessTree.lineCount(log)) steps for 8")
        }
    }

    /// Must-hold 3: with ASHA (first rung at 4 steps), a learning rate of 10 is stopped at that rung after a sound
    /// trial passed it; a negative learning rate (train refuses it) fails with the reason and the sweep goes on; every
    /// trial gets its own TensorBoard run.
    @Test func ashaStopsABadTrialAtItsFirstRung() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let space = try Self.write(#"{"lr": [0.003, 10, -1]}"#, "space.json", in: directory)
        let result = try CommandRunner.run(["sweep", "--space", space, "--ranks-per-trial", "2", "--scheduler", "asha",
                                            "--asha-min-steps", "4", "--sweep-dir", "asha", "--tensorboard", "tb"]
                                           + Self.base + ["--max-steps", "12"], ranks: 2, in: directory, timeout: 300)
        try #require(result.status == 0, "\(result.output)\n\(result.error)")
        let trials = try Self.trials("asha", in: directory)
        func trial(_ id: Int) -> [String: Any] { trials.first { $0["id"] as? Int == id } ?? [:] }
        #expect(trial(0)["status"] as? String == "completed" && trial(0)["steps"] as? Int == 12, "\(trial(0))")
        #expect(trial(1)["status"] as? String == "stopped early" && trial(1)["steps"] as? Int == 4, "\(trial(1))")
        #expect(trial(2)["status"] as? String == "failed" && (trial(2)["message"] as? String)?.contains("--lr must be a positive number") == true,
                "\(trial(2))")
        #expect(trials.map { $0["id"] as? Int } == [0, 1, 2], "ranked by metric, the failure last")
        #expect(result.output.contains("trial 1 at rung 4 steps"), "\(result.output)")
        for id in [0, 1] {
            let run = directory.appendingPathComponent(String(format: "tb/trial-%03d", id))
            let files = (try? FileManager.default.contentsOfDirectory(atPath: run.path)) ?? []
            #expect(files.contains { $0.hasPrefix("events.out.tfevents.") }, "\(run.path): \(files)")
        }
        let svg = try String(contentsOf: directory.appendingPathComponent("asha/results.svg"), encoding: .utf8)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 2 && svg.contains("stopped-early"))
    }

    /// "The same sweep command gives the same trials" with TPE and ASHA in two groups: the second run has one rank
    /// stopped (SIGSTOP) for three seconds after the first trial ends, so its trials end and reach rungs in another
    /// order; the proposals and rung decisions, and so the table and every digest, are the first run's. So are a
    /// third run's, SIGTERMed while a trial waited for its rung decision and started again.
    @Test func tpeAndAshaInTwoGroupsDoNotDependOnWhichGroupIsFaster() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let space = try Self.write(#"{"lr": {"log-range": [0.0003, 0.03]}, "dropout": [0, 0.1]}"#, "space.json", in: directory)
        let sweep = ["sweep", "--space", space, "--ranks-per-trial", "1", "--search", "tpe", "--trials", "8", "--tpe-startup", "2",
                     "--scheduler", "asha", "--asha-min-steps", "4"] + Self.base
        let first = try CommandRunner.run(sweep + ["--sweep-dir", "first"], ranks: 2, in: directory, timeout: 300)
        try #require(first.status == 0, "\(first.output)\n\(first.error)")

        let job = try CommandRunner.Running(sweep + ["--sweep-dir", "second"], ranks: 2, directory: directory)
        let state = directory.appendingPathComponent("second/sweep-state.json")
        let ranks = try Self.ranks(of: job, count: 2, onceCompleted: 1, state: state)
        let paused = try #require(ranks.max())
        kill(paused, SIGSTOP)
        Thread.sleep(forTimeInterval: 3)
        kill(paused, SIGCONT)
        let second = job.wait(timeout: 300)
        try #require(second.status == 0, "\(second.output)\n\(second.error)")
        #expect(try Self.table("second", in: directory) == (try Self.table("first", in: directory)))
        let digests = { (sweep: String) in try Self.trials(sweep, in: directory).map { "\($0["id"]!) \($0["status"]!) \($0["digest"] ?? "-")" } }
        #expect(try digests("second") == (try digests("first")))
        #expect(try Self.trials("first", in: directory).count == 8)

        // Stopped while a trial waits for its rung decision: rank 1 (trial 1, before its rung) is SIGSTOPped, trial 2
        // reaches its rung on rank 0 and waits for trial 1's; SIGTERM then stops the sweep with trial 2's rung
        // undecided. The restarted sweep decides it and ends with the first run's table and digests.
        let third = try CommandRunner.Running(sweep + ["--sweep-dir", "third"], ranks: 2, directory: directory)
        let trial1 = directory.appendingPathComponent("third/trials/trial-001/logs/rank-0.jsonl")
        let trial2 = directory.appendingPathComponent("third/trials/trial-002/logs/rank-0.jsonl")
        let started = Date().addingTimeInterval(120)
        while Date() < started && ProcessTree.lineCount(trial1) < 1 { Thread.sleep(forTimeInterval: 0.005) }
        let thirdRanks = ProcessTree.children(of: third.process.processIdentifier)
        try #require(thirdRanks.count == 2, "expected two rank processes under mpirun, found \(thirdRanks)")
        // The rank that writes trial 1's metrics log runs trial 1; the other is world rank 0, the coordinator.
        let other = try #require(thirdRanks.first { Self.holdsOpen(trial1, process: $0) }, "no rank has \(trial1.path) open")
        let coordinator = try #require(thirdRanks.first { $0 != other })
        kill(other, SIGSTOP)
        while Date() < started && ProcessTree.lineCount(trial2) < 4 { Thread.sleep(forTimeInterval: 0.02) }
        Thread.sleep(forTimeInterval: 1)
        kill(coordinator, SIGTERM)
        kill(other, SIGTERM)
        kill(other, SIGCONT)
        let stopped = third.wait(timeout: 120)
        #expect(stopped.status == 75, "status \(stopped.status): \(stopped.output)\n\(stopped.error)")
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("third/sweep-state.json")))
        let waiting = try #require(((saved as? [String: Any])?["trials"] as? [[String: Any]])?.first { $0["id"] as? Int == 2 })
        #expect(waiting["status"] as? String == "running" && (waiting["rungs"] as? [String: Any])?["4"] == nil,
                "trial 2 was stopped with its rung undecided: \(waiting)")
        let continued = try CommandRunner.run(sweep + ["--sweep-dir", "third"], ranks: 2, in: directory, timeout: 300)
        try #require(continued.status == 0, "\(continued.output)\n\(continued.error)")
        #expect(try Self.table("third", in: directory) == (try Self.table("first", in: directory)))
        #expect(try digests("third") == (try digests("first")))
    }

    /// A killed sweep (every rank SIGKILLed, no checkpoint at the stop, a trial possibly between its end and the
    /// coordinator's record) started again with the same command ends with the uninterrupted sweep's table and digests:
    /// the state file is whole, finished trials are kept and interrupted ones resume from their newest checkpoint.
    @Test func killedSweepContinuesToTheSameResults() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let space = try Self.write(#"{"lr": [0.001, 0.003], "dropout": [0, 0.1]}"#, "space.json", in: directory)
        let sweep = ["sweep", "--space", space, "--ranks-per-trial", "1", "--checkpoint-every", "2"] + Self.base
        let whole = try CommandRunner.run(sweep + ["--sweep-dir", "whole"], ranks: 2, in: directory, timeout: 300)
        try #require(whole.status == 0, "\(whole.output)\n\(whole.error)")

        let job = try CommandRunner.Running(sweep + ["--sweep-dir", "parts"], ranks: 2, directory: directory)
        let state = directory.appendingPathComponent("parts/sweep-state.json")
        let ranks = try Self.ranks(of: job, count: 2, onceCompleted: 1, state: state)
        Thread.sleep(forTimeInterval: 0.3)
        for rank in ranks { kill(rank, SIGKILL) }
        let killed = job.wait(timeout: 60)
        #expect(killed.status != 0 && killed.status != 75, "status \(killed.status)")
        let before = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: state)) as? [String: Any])
        let unfinished = ((before["trials"] as? [[String: Any]]) ?? []).filter { $0["status"] as? String == "running" }.count
        #expect(unfinished >= 1, "a trial was running when the ranks were killed: \(before)")

        let continued = try CommandRunner.run(sweep + ["--sweep-dir", "parts"], ranks: 2, in: directory, timeout: 300)
        try #require(continued.status == 0, "\(continued.output)\n\(continued.error)")
        #expect(continued.output.contains("resuming trial"), "\(continued.output)")
        #expect(try Self.table("parts", in: directory) == (try Self.table("whole", in: directory)))
        let digests = { (sweep: String) in try Self.trials(sweep, in: directory).map { "\($0["id"]!) \($0["digest"] ?? "-")" } }
        #expect(try digests("parts") == (try digests("whole")))
    }

    @Test func spaceNamingNoTrainOptionIsRefused() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let space = try Self.write(#"{"learning-rate": [0.001]}"#, "space.json", in: directory)
        let result = try CommandRunner.run(["sweep", "--space", space, "--sweep-dir", "s"] + Self.base, in: directory)
        #expect(result.status != 0)
        #expect(result.error.contains("space.json: learning-rate is not a train option"), "\(result.error)")
        let restart = try CommandRunner.run(["sweep", "--space", space, "--sweep-dir", "s", "--checkpoint-dir", "c"] + Self.base,
                                            in: directory)
        #expect(restart.error.contains("--checkpoint-dir is set per trial by the sweep"), "\(restart.error)")
    }
}
