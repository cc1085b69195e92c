import Dispatch

/// Sums a model's gradients over all ranks in buckets that start while backward is still running.
///
/// Backward produces gradients from the last parameters to the first. Each time it reports that
/// everything from some offset to the end is final, the not yet reduced tail is started as a
/// non-blocking all-reduce once it holds at least `bucketSize` floats; `finish` starts the rest and
/// waits. Communication of late layers thus hides behind the computation of early ones.
public final class GradientAllReduce {
    public let group: ProcessGroup
    public let store: ParameterStore
    /// Floats per bucket (at least one).
    public let bucketSize: Int
    /// Seconds `finish` spent waiting in the last step: communication not hidden by backward.
    public private(set) var waitSeconds = 0.0

    private var pending: [ReductionHandle] = []
    private var unreducedEnd: Int
    private var failure: Error?

    public init(group: ProcessGroup, store: ParameterStore, bucketSize: Int) {
        precondition(bucketSize > 0, "bucket size must be positive")
        self.group = group
        self.store = store
        self.bucketSize = bucketSize
        unreducedEnd = store.parameterCount
    }

    /// Resets for a new backward pass (no gradient is final yet).
    public func begin() {
        unreducedEnd = store.parameterCount
        pending.removeAll()
        failure = nil
    }

    /// Backward has finalised every gradient at `offset` and after it.
    public func gradientsReady(from offset: Int) {
        guard group.size > 1, failure == nil else { return }
        do {
            if unreducedEnd - offset >= bucketSize { try start(offset..<unreducedEnd) }
            try group.progress(&pending)
        } catch {
            failure = error
        }
    }

    /// Reduces what is left, waits for every bucket and rethrows the first error of the step.
    public func finish() throws {
        guard group.size > 1 else { return }
        if let failure { throw failure }
        if unreducedEnd > 0 { try start(0..<unreducedEnd) }
        let started = DispatchTime.now().uptimeNanoseconds
        try group.waitAll(&pending)
        waitSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    private func start(_ range: Range<Int>) throws {
        let slice = UnsafeMutableBufferPointer(rebasing: store.gradients[range])
        pending.append(try group.startAllReduceSum(slice))
        unreducedEnd = range.lowerBound
    }
}
