import ArgumentParser
import DistTensor
import Foundation

/// `dist-train check-mpi`: verifies the collectives training relies on and times an all-reduce, so a
/// cluster's MPI setup can be checked before a long job is queued.
struct CheckMPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-mpi",
        abstract: "Check MPI collectives and time an all-reduce (run it under mpirun or srun).",
        discussion: """
            Every rank prints its host, local rank, ranks on its node and threads, then checks all-reduce (blocking and non-blocking), broadcast, gather and the max-reduction \
            used for shared decisions against values it can compute itself, then rank 0 prints the mean time \
            of an all-reduce of --floats values (default: the 16.6 M gradients of ResNet34). Exits non-zero, \
            naming the rank, if any check fails.
            """)

    @Option(help: "Floats in the timed all-reduce.")
    var floats = 16_614_811

    @Option(help: "Timed repetitions.")
    var repetitions = 5

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var timeout: CollectiveTimeoutOption

    func validate() throws {
        guard floats >= 1 else { throw ValidationError("--floats must be at least 1.") }
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1.") }
    }

    func run() throws {
        let world = try timeout.world()
        do {
            let threads = threading.apply(ranksOnNode: world.localSize, rank: world.rank)
            // One line per rank (mpirun forwards every rank's output): where it runs and what it uses there.
            print("check-mpi: rank \(world.rank) of \(world.size) on \(world.hosts[world.rank]): local rank \(world.localRank) "
                  + "of \(world.localSize), \(threads) thread(s)")
            try checkCollectives(world)
            let milliseconds = try timeAllReduce(world)
            if world.rank == 0 {
                print("check-mpi: \(world.size) ranks on \(Set(world.hosts).count) node(s) (\(world.localSize) on this node): "
                      + "all-reduce, broadcast, gather, max, rank-0 decisions: ok")
                print("check-mpi: all-reduce of \(floats) floats: \(String(format: "%.1f", milliseconds)) ms "
                      + "(\(String(format: "%.2f", Double(floats * 4) / milliseconds / 1e6)) GB/s algorithm bandwidth)")
            }
            try world.finalize()
        } catch {
            world.abort(message: "check-mpi: \(error)")
        }
    }

    private func checkCollectives(_ world: Communicator) throws {
        let (rank, size) = (world.rank, world.size)
        var values = (0..<1000).map { Float(rank + 1) * Float($0 % 7) }
        try values.withUnsafeMutableBufferPointer { try world.allReduceSum($0) }
        let ranksSum = Float(size * (size + 1) / 2)
        try expect(values == (0..<1000).map { ranksSum * Float($0 % 7) }, "all-reduce sum", world)

        var pending = (0..<257).map { Float(rank) + Float($0) }
        try pending.withUnsafeMutableBufferPointer { buffer in
            var handles = [try world.startAllReduceSum(buffer)]
            try world.progress(&handles)
            try world.waitAll(&handles)
        }
        try expect(pending == (0..<257).map { Float(size * (size - 1) / 2) + Float(size * $0) }, "non-blocking all-reduce", world)

        var broadcast = rank == 0 ? (0..<100).map { Float($0) * 0.5 } : [Float](repeating: -1, count: 100)
        try broadcast.withUnsafeMutableBufferPointer { try world.broadcast($0, root: 0) }
        try expect(broadcast == (0..<100).map { Float($0) * 0.5 }, "broadcast", world)

        let gathered = try world.gather([Float](repeating: Float(rank), count: rank + 1), root: 0)
        let expected = rank == 0 ? (0..<size).flatMap { [Float](repeating: Float($0), count: $0 + 1) } : []
        try expect(gathered == expected, "gather", world)

        try expect(try world.allReduceMax(Int64(rank == size - 1 ? 7 : 0)) == 7, "max-reduction", world)

        // A rank-0 decision larger than 65,536 bytes (its size travels in base-65536 digits), and a failed one.
        let decided = try world.decidedByRankZero(what: "could not decide") { (0..<30_000).map { "\($0 * rank)" } }
        try expect(decided.count == 30_000 && decided[29_999] == "0", "rank-0 decision", world)
        do {
            _ = try world.decidedByRankZero(what: "could not decide on purpose") { () throws -> Int in throw CheckFailure(what: "x") }
            try expect(false, "a failed rank-0 decision", world)
        } catch let failure as CheckFailure where rank == 0 && failure.what == "x" {
            // Rank 0 gets its own error back.
        } catch let failure as RankZeroFailure where rank != 0 && failure.what == "could not decide on purpose" {
            // The others learn that rank 0 failed.
        }
    }

    private func timeAllReduce(_ world: Communicator) throws -> Double {
        var buffer = [Float](repeating: 1, count: floats)
        return try buffer.withUnsafeMutableBufferPointer { buffer in
            try world.allReduceSum(buffer)
            try world.barrier()
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<repetitions { try world.allReduceSum(buffer) }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / Double(repetitions)
        }
    }

    private func expect(_ condition: Bool, _ what: String, _ world: Communicator) throws {
        guard condition else { throw CheckFailure(what: what) }
    }
}

/// A collective whose result was not what every rank can compute for itself.
struct CheckFailure: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what) returned wrong values" }
}
