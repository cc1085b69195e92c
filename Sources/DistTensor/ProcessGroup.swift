import Foundation

/// The collective operations data-parallel training needs, over the processes of one job.
///
/// `Communicator` implements it over MPI; `SingleProcessGroup` is the world of one that needs no MPI
/// (in-process tests, tools). Every rank must make the same calls in the same order.
public protocol ProcessGroup: AnyObject {
    var rank: Int { get }
    var size: Int { get }
    /// Rank among the processes on this node, and how many share it.
    var localRank: Int { get }
    var localSize: Int { get }
    /// Every rank's host name, in rank order.
    var hosts: [String] { get }
    /// Seconds a rank waits in one collective before it ends the job, naming the ranks that did not arrive (nil:
    /// forever).
    var collectiveTimeout: Double? { get set }

    /// Sums `buffer` over all ranks, in place.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Sums `buffer` over all ranks, in place (Float64).
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// The largest `value` over all ranks: how ranks agree on a flag at a step boundary.
    func allReduceMax(_ value: Int64) throws -> Int64
    /// Starts summing `buffer` in place and returns at once; the buffer is untouchable until
    /// `waitAll` returns for the handle.
    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> ReductionHandle
    /// Lets started reductions progress without blocking (MPI progresses only inside MPI calls).
    func progress(_ handles: inout [ReductionHandle]) throws
    /// Blocks until every handle has completed, and empties the list.
    func waitAll(_ handles: inout [ReductionHandle]) throws
    /// Copies `buffer` from `root` to every rank.
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws
    /// Copies raw bytes from `root` to every rank.
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Every rank's `values` at `root`, in rank order (`[]` elsewhere).
    func gather(_ values: [Float], root: Int) throws -> [Float]
    /// Returns when every rank has called it: how ranks start a timed section together.
    func barrier() throws
    /// Writes `message` (prefixed with the rank) to standard error and ends every process of the job:
    /// the way out when one rank cannot go on, so the others do not wait forever in a collective.
    func abort(message: String) -> Never
}

/// A started non-blocking reduction (an MPI request; unused for a single process).
public struct ReductionHandle: @unchecked Sendable {
    let request: OpaquePointer?
    /// Floats it reduces (for messages).
    let count: Int

    init(request: OpaquePointer?, count: Int) {
        self.request = request
        self.count = count
    }
}

extension ProcessGroup {
    /// Which ranks run on which host, as "ranks 0, 1 on a; 2, 3 on b".
    public var placement: String { CollectiveTimeoutReport.ranks(Array(0..<size), hosts) }

    /// Runs `body` with no collective timeout: for waits on rank 0 that may rightly take long (preparing a
    /// dataset from thousands of records) and are no part of training or evaluation.
    public func withoutCollectiveTimeout<Value>(_ body: () throws -> Value) rethrows -> Value {
        let saved = collectiveTimeout
        collectiveTimeout = nil
        defer { collectiveTimeout = saved }
        return try body()
    }
}

/// The world of one process: every collective is the identity.
public final class SingleProcessGroup: ProcessGroup {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public var localRank: Int { 0 }
    public var localSize: Int { 1 }
    public var hosts: [String] {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return ["localhost"] }
        return [String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)]
    }
    public var collectiveTimeout: Double?
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}
    public func allReduceMax(_ value: Int64) throws -> Int64 { value }
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> ReductionHandle {
        ReductionHandle(request: nil, count: buffer.count)
    }
    public func progress(_ handles: inout [ReductionHandle]) throws {}
    public func waitAll(_ handles: inout [ReductionHandle]) throws { handles.removeAll() }
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {}
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {}
    public func gather(_ values: [Float], root: Int) throws -> [Float] { values }
    public func barrier() throws {}
    public func abort(message: String) -> Never {
        FileHandle.standardError.write(Data("rank 0: \(message)\n".utf8))
        exit(1)
    }
}
