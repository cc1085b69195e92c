import ArgumentParser
import DistTensor
import Foundation

/// `--threads`: how many threads this process's tensor work uses.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads per process (default: the node's cores divided among the ranks on it, at most the cores this rank is bound to).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1 (got \(threads)).")
        }
    }

    /// Applies the choice for a process that shares its node with `ranksOnNode` ranks; returns the count. A
    /// `--threads` above the machine's cores is capped there (rank 0 says so): more threads only contend.
    @discardableResult
    func apply(ranksOnNode: Int = 1, rank: Int = 0) -> Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var count = threads ?? CPUAffinity.threadsPerRank(ranksOnNode: ranksOnNode)
        if let threads, threads > cores {
            count = cores
            if rank == 0 {
                FileHandle.standardError.write(Data(("dist-train: notice: --threads \(threads) is more than the \(cores) "
                                                     + "cores of this machine; using \(cores) per rank\n").utf8))
            }
        }
        Parallel.configure(threads: count)
        return count
    }
}
