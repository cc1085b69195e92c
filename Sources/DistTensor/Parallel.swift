import CDNNL

/// Splits `0..<count` into at most `Parallel.threadCount` contiguous chunks and runs `body`
/// on each concurrently.
///
/// A process has one pool of threads: the OpenMP team oneDNN's convolutions run on. DistTensor's own
/// loops (BatchNorm, pooling, ReLU, optimizers) run their chunks on the same team through the CDNNL shim,
/// so an idle team never spins against a second pool. OpenBLAS (the classifier's small GEMMs) stays at
/// one thread for the same reason.
public enum Parallel {
    /// Threads of the calling thread's team: the process's (`configure(threads:)`) unless `withThreads` says otherwise.
    public static var threadCount: Int { Int(cdnnl_threads()) }

    /// Uses `threads` threads for oneDNN and DistTensor's loops and one for each BLAS call.
    public static func configure(threads: Int) {
        BLAS.threadCount = 1
        cdnnl_set_threads(Int32(Swift.max(1, threads)))
    }

    /// Runs `body` with a team of `threads` for the calling thread only, leaving every other thread's alone: how a
    /// test compares thread counts while other tests train in the same process.
    public static func withThreads<Result>(_ threads: Int, _ body: () throws -> Result) rethrows -> Result {
        cdnnl_set_thread_override(Int32(Swift.max(1, threads)))
        defer { cdnnl_set_thread_override(0) }
        return try body()
    }

    /// Runs `body(range)` over disjoint ranges covering `0..<count`. Work below `grain`
    /// items stays on the calling thread.
    @inline(__always)
    public static func forEachChunk(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        let chunks = Swift.min(threadCount, count / Swift.max(grain, 1))
        if chunks <= 1 {
            body(0..<count)
            return
        }
        run(count, chunks: chunks, body)
    }

    /// Runs `body` on the fixed blocks `0..<block`, `block..<2·block`, … of `0..<count`, spread over the team. Unlike
    /// `forEachChunk`'s, the ranges do not depend on the thread count, so a GEMM per block (whose rounding may depend on
    /// its row count) computes the same bits on any team.
    public static func forEachBlock(_ count: Int, block: Int, _ body: (Range<Int>) -> Void) {
        let blocks = (count + block - 1) / Swift.max(block, 1)
        forEachChunk(blocks) { range in
            for index in range { body((index * block)..<Swift.min(count, (index + 1) * block)) }
        }
    }

    /// Runs `body(range)` for `chunks` disjoint contiguous ranges covering `0..<count`, one per team thread.
    private static func run(_ count: Int, chunks: Int, _ body: (Range<Int>) -> Void) {
        withoutActuallyEscaping(body) { body in
            var team = Team(count: count, chunks: chunks, body: body)
            withUnsafeMutablePointer(to: &team) { pointer in
                cdnnl_parallel_for(Int32(chunks), { context, chunk in
                    let team = context!.assumingMemoryBound(to: Team.self).pointee
                    let index = Int(chunk)
                    team.body((team.count * index / team.chunks)..<(team.count * (index + 1) / team.chunks))
                }, pointer)
            }
        }
    }

    /// What one parallel loop hands the team's threads.
    private struct Team {
        let count: Int
        let chunks: Int
        let body: (Range<Int>) -> Void
    }
}

/// Carries a value the caller has made safe to share across the threads of one parallel loop.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
