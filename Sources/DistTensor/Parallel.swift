import Dispatch

/// Splits `0..<count` into at most `Parallel.threadCount` contiguous chunks and runs `body`
/// on each concurrently.
///
/// DistTensor owns all of a process's threads: convolutions split the batch over them and call
/// single-threaded GEMMs, and the memory-bound loops (BatchNorm, ReLU, optimizers) split their rows.
/// OpenBLAS stays at one thread, because its idle workers spin and would compete with these.
public enum Parallel {
    /// Threads for DistTensor's loops (set by `configure(threads:)`).
    nonisolated(unsafe) public private(set) static var threadCount = 1

    /// Uses `threads` threads for DistTensor's loops and one for each BLAS call.
    public static func configure(threads: Int) {
        threadCount = Swift.max(1, threads)
        BLAS.threadCount = 1
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
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                shared.value((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
            }
        }
    }

    /// Runs `body(worker, range)` for `workers` disjoint contiguous ranges covering `0..<count`
    /// (`workers` from `workerCount(for:)`), so each worker can use scratch memory of its own.
    @inline(__always)
    public static func forEachWorker(_ count: Int, workers: Int, _ body: (Int, Range<Int>) -> Void) {
        if workers <= 1 {
            body(0, 0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { worker in
                shared.value(worker, (count * worker / workers)..<(count * (worker + 1) / workers))
            }
        }
    }

    /// How many workers `forEachWorker` should use for `count` items.
    public static func workerCount(for count: Int) -> Int {
        Swift.max(1, Swift.min(threadCount, count))
    }
}

/// Carries a value the caller has made safe to share across the threads of one parallel loop.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
