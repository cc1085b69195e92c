import Foundation
import Testing

/// `dist-train train` under mpirun: the same result for any number of ranks, the same result twice, and a
/// whole-job failure (not a hang) when a rank dies.
@Suite(.serialized) struct DataParallelTests {
    /// A small network so a 20-step run takes seconds. SGD rather than Adam: Adam divides each gradient by
    /// its own magnitude, so where a gradient is near zero its rounding decides the step's sign, and two
    /// runs of one process that differ only in thread count (so in summation order) already end more than
    /// 1e-5 apart. SGD keeps rounding at rounding size (measured: 1 vs 2 ranks within 1e-5 after 20 steps).
    static let arguments = ["--model", "resnet18", "--widths", "8,16,32,64", "--length", "256", "--data", TestDatasets.simulated400,
                            "--batch-size", "16", "--max-steps", "20", "--sync-bn", "--dropout", "0", "--optimizer", "sgd",
                            "--lr", "0.005", "--threads", "1", "--progress", "lines"]

    struct Run {
        let losses: [Double]
        let parameters: [Float]
        /// Rank 0's validation lines (Challenge metrics of the gathered predictions).
        let validation: [String]
    }

    func train(ranks: Int?, in directory: URL, name: String, precision: String = "fp32") throws -> Run {
        // Each run has its own checkpoint directory: with the default --resume auto, a second run in a shared one
        // would continue from the first run's final checkpoint instead of training.
        let result = try CommandRunner.run(Self.arguments + ["--precision", precision, "--log-dir", name, "--parameters-out", "\(name).bin",
                                                             "--checkpoint-dir", "\(name)-checkpoints"],
                                           ranks: ranks, in: directory)
        #expect(result.status == 0, "\(name): exit \(result.status): \(result.error)")
        let log = try String(contentsOf: directory.appendingPathComponent("\(name)/rank-0.jsonl"), encoding: .utf8)
        let losses = log.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["loss"] as? Double
        }
        let data = try Data(contentsOf: directory.appendingPathComponent("\(name).bin"))
        let parameters = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        let validation = result.output.split(separator: "\n").filter { $0.hasPrefix("validation") }.map(String.init)
        return Run(losses: losses, parameters: parameters, validation: validation)
    }

    /// With sync BN and no dropout, 2 and 4 ranks with per-rank batches of 8 and 4 follow the 1-rank run with
    /// batch 16: losses and every parameter after 20 steps agree to 1e-5 relative (near zero: 1e-5 of the
    /// largest parameter).
    @Test(arguments: [2, 4])
    func ranksAgreeWithOneProcess(ranks: Int) throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let single = try train(ranks: nil, in: directory, name: "one")
        let parallel = try train(ranks: ranks, in: directory, name: "many")
        #expect(single.losses.count == 20 && parallel.losses.count == 20)
        for (a, b) in zip(single.losses, parallel.losses) {
            #expect(abs(a - b) <= 1e-5 * abs(a), "losses \(single.losses) vs \(parallel.losses)")
        }
        #expect(single.parameters.count == parallel.parameters.count && !single.parameters.isEmpty)
        let floor = 1e-5 * (single.parameters.map(abs).max() ?? 0)
        let outside = zip(single.parameters, parallel.parameters).filter { abs($0 - $1) > max(1e-5 * abs($0), floor) }
        #expect(outside.isEmpty, "\(outside.count) parameters differ, e.g. \(outside.prefix(3))")
        // Validation is scored by all ranks and gathered at rank 0: the same numbers for any world size.
        #expect(!single.validation.isEmpty && single.validation == parallel.validation, "\(single.validation) vs \(parallel.validation)")
    }

    /// In bfloat16, 2 and 4 ranks follow one rank as closely as bfloat16 allows. The ranks sum in another order, so a
    /// float32 value a convolution reads may differ in its last bit, and where it lies near a bfloat16 rounding
    /// boundary it rounds to the neighbouring bfloat16 (2^-8 relative away); that perturbation is of the kind
    /// bfloat16 itself makes. So the tolerance is bfloat16's own effect, measured in the same test: every rank
    /// count ends closer to the one-rank bfloat16 run than that run is to the one-rank float32 run (L2 norm of
    /// the parameter difference), and each step's loss is within bfloat16's relative precision 2^-8 of it.
    @Test(arguments: [2, 4])
    func bfloat16RanksAgreeWithOneProcess(ranks: Int) throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let float32 = try train(ranks: nil, in: directory, name: "fp32", precision: "fp32")
        let single = try train(ranks: nil, in: directory, name: "one", precision: "bf16")
        let parallel = try train(ranks: ranks, in: directory, name: "many", precision: "bf16")
        #expect(single.losses.count == 20 && parallel.losses.count == 20)
        for (a, b) in zip(single.losses, parallel.losses) {
            #expect(abs(a - b) <= 0x1p-8 * abs(a), "losses \(single.losses) vs \(parallel.losses)")
        }
        func distance(_ a: [Float], _ b: [Float]) -> Double {
            zip(a, b).reduce(0.0) { $0 + Double($1.0 - $1.1) * Double($1.0 - $1.1) }.squareRoot()
        }
        try #require(single.parameters.count == parallel.parameters.count && single.parameters.count == float32.parameters.count)
        let precisionEffect = distance(single.parameters, float32.parameters)
        let worldSizeEffect = distance(single.parameters, parallel.parameters)
        #expect(precisionEffect > 0, "bfloat16 and float32 runs are identical: the precision flag did nothing")
        #expect(worldSizeEffect < precisionEffect, "\(ranks) ranks move bfloat16 by \(worldSizeEffect), bfloat16 moves float32 by \(precisionEffect)")
    }

    /// The same command twice gives bit-identical parameters.
    @Test func sameCommandSameBits() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = try train(ranks: 2, in: directory, name: "first")
        let second = try train(ranks: 2, in: directory, name: "second")
        #expect(first.parameters == second.parameters)
        #expect(first.losses == second.losses)
    }

    /// Killing one rank of a running job ends the whole job with a non-zero status within seconds, and
    /// the message names the rank.
    @Test func aKilledRankEndsTheJob() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = try CommandRunner.Running(
            ["--model", "resnet18", "--widths", "8,16,32,64", "--length", "256", "--data", TestDatasets.simulated400, "--epochs", "1000", "--batch-size", "8",
             "--threads", "1", "--progress", "lines", "--log-dir", "logs"], ranks: 2, directory: directory)
        let log = directory.appendingPathComponent("logs/rank-1.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && ((try? Data(contentsOf: log))?.isEmpty ?? true) { Thread.sleep(forTimeInterval: 0.1) }
        let ranks = try childProcesses(of: job.process.processIdentifier)
        try #require(ranks.count == 2, "expected two rank processes under mpirun, found \(ranks)")
        let victim = try #require(ranks.max())
        kill(victim, SIGKILL)
        let killedAt = Date()
        let result = job.wait(timeout: 30)
        #expect(result.status != 0 && result.status != -1, "status \(result.status)")
        #expect(Date().timeIntervalSince(killedAt) < 15, "the job took \(Date().timeIntervalSince(killedAt)) s to end")
        #expect((result.output + result.error).contains("rank"), "\(result.error)")
    }

    /// A stopped rank (SIGSTOP: alive, connections open, never arriving) ends the job once the collective timeout has
    /// run out, with status 69 and a message naming the operation and the rank and host that did not arrive; the
    /// job's checkpoints stay usable (`NetworkFaultTests` does the same across two network namespaces, and resumes).
    @Test func aStoppedRankEndsTheJobAfterTheCollectiveTimeout() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let job = try CommandRunner.Running(
            ["--model", "resnet18", "--widths", "8,16,32,64", "--length", "256", "--data", TestDatasets.simulated400, "--epochs", "1000",
             "--batch-size", "9", "--threads", "1", "--progress", "lines", "--log-dir", "logs", "--collective-timeout", "5"],
            ranks: 3, directory: directory)
        let log = directory.appendingPathComponent("logs/rank-2.jsonl")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && ProcessTree.lineCount(log) < 3 { Thread.sleep(forTimeInterval: 0.02) }
        let ranks = ProcessTree.children(of: job.process.processIdentifier).sorted()
        try #require(ranks.count == 3, "expected three rank processes under mpirun, found \(ranks)")
        kill(ranks[1], SIGSTOP)
        let stoppedAt = Date()
        let result = job.wait(timeout: 40)
        let seconds = Date().timeIntervalSince(stoppedAt)
        #expect(result.status == 69, "status \(result.status): \(result.error)")
        #expect(seconds > 5 && seconds < 13, "the job took \(seconds) s to end")
        var name = [CChar](repeating: 0, count: 256)
        gethostname(&name, 255)
        let host = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // Which rank the second child is depends on start-up order; the message names exactly one rank, on this host.
        let line = try #require(result.error.split(separator: "\n").first { $0.contains("(--collective-timeout)") }, "\(result.error)")
        #expect(line.contains("did not complete within 5 s") && line.contains("on \(host) did not arrive"), "\(line)")
        #expect(line.contains("collective #") && (line.contains("all-reduce") || line.contains("broadcast") || line.contains("gather")),
                "\(line)")
    }

    /// A rank that cannot read its part of the data ends the whole job within seconds, with a message naming the
    /// rank, the file and the record. The dataset is compressed, so overwriting bytes in the middle of the file
    /// (signal chunks; the index is written last, at its end) makes some chunks fail to inflate: the file still
    /// opens, and the first rank that draws a damaged record fails in the middle of training.
    @Test func aRankThatCannotReadItsShardEndsTheJob() throws {
        let directory = try CommandRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dataset = directory.appendingPathComponent("damaged.nc")
        let prepare = try CommandRunner.run(["prepare", "--simulated", "200", "--seed", "2", "--deflate", "1", "--out", dataset.path])
        try #require(prepare.status == 0, "\(prepare.error)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: dataset.path)[.size] as? Int)
        let handle = try FileHandle(forWritingTo: dataset)
        try handle.seek(toOffset: UInt64(size / 2))
        try handle.write(contentsOf: Data(repeating: 0xA5, count: size / 10))
        try handle.close()

        let started = Date()
        let result = try CommandRunner.run(["--data", dataset.path, "--widths", "8,16,16,32", "--length", "256", "--batch-size", "8",
                                            "--epochs", "3", "--threads", "1", "--progress", "lines", "--checkpoint-dir", "checkpoints"],
                                           ranks: 2, in: directory, timeout: 120)
        #expect(result.status != 0 && result.status != -1, "status \(result.status)")
        #expect(Date().timeIntervalSince(started) < 60, "the job took \(Date().timeIntervalSince(started)) s to end")
        let message = try #require(result.error.split(separator: "\n").first { $0.contains("cannot be read") }, "\(result.error)")
        #expect(message.hasPrefix("rank 0: ") || message.hasPrefix("rank 1: "), "\(message)")
        #expect(message.contains("damaged.nc") && message.contains("record SIM"), "\(message)")
    }

    private func childProcesses(of parent: Int32) throws -> [Int32] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }.filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == parent
        }
    }
}
