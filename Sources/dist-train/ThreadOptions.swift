import ArgumentParser
import DistTensor

/// `--threads`: how many threads this process's tensor work uses.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads per process (default: the node's cores divided among the ranks on it, at most the cores this rank is bound to).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1 (got \(threads)).")
        }
    }

    /// Applies the choice for a process that shares its node with `ranksOnNode` ranks; returns the count.
    @discardableResult
    func apply(ranksOnNode: Int = 1) -> Int {
        let count = threads ?? CPUAffinity.threadsPerRank(ranksOnNode: ranksOnNode)
        Parallel.configure(threads: count)
        return count
    }
}
