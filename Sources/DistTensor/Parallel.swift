import Dispatch

/// Splits `0..<count` into at most `Parallel.threadCount` contiguous chunks and runs `body`
/// on each concurrently; used for the memory-bound loops (BatchNorm, im2col) that BLAS
/// does not cover.
public enum Parallel {
    /// Threads for DistTensor's own loops; set together with `BLAS.threadCount`.
    nonisolated(unsafe) public static var threadCount = 1

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
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                shared.value(start..<end)
            }
        }
    }
}

/// Carries a value the caller has made safe to share across the threads of one parallel loop.
struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
