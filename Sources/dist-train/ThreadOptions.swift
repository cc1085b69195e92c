import ArgumentParser
import DistTensor
import Foundation

/// `--threads`: how many threads OpenBLAS and DistTensor's own loops use in this process.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Threads for this process's tensor work (default: the cores available to it).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1 (got \(threads)).")
        }
    }

    /// Applies the choice and returns the thread count in use.
    @discardableResult
    func apply() -> Int {
        let count = threads ?? ProcessInfo.processInfo.activeProcessorCount
        Parallel.configure(threads: count)
        return count
    }
}
