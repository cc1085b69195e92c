import Foundation
import CMPI

/// A failed MPI call: which function, its error code and MPI's own description.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let code: Int32
    public let message: String

    public var description: String { "MPI error in \(function) (code \(code)): \(message)" }
}

/// The processes of one job and the collective operations data parallelism needs, over Open MPI's
/// `MPI_COMM_WORLD`.
///
/// Every MPI return code is checked and turned into a thrown `MPIError` (the communicator uses
/// `MPI_ERRORS_RETURN` instead of MPI's default abort). A program started without `mpirun` is a world
/// of one (MPI's singleton initialisation) and runs the same code.
public final class Communicator: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Rank among the processes on this node, and how many there are (for threads per rank).
    public let localRank: Int
    public let localSize: Int
    private let communicator: MPI_Comm

    /// Initialises MPI once for the process (funnelled threading: only the main thread calls MPI) and
    /// returns the world communicator.
    public static func world() throws -> Communicator {
        var initialised: Int32 = 0
        try check(MPI_Initialized(&initialised), "MPI_Initialized")
        if initialised == 0 {
            var provided: Int32 = 0
            try check(MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided), "MPI_Init_thread")
        }
        let world: MPI_Comm = cmpi_comm_world()
        try check(MPI_Comm_set_errhandler(world, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        return try Communicator(world)
    }

    private init(_ communicator: MPI_Comm) throws {
        self.communicator = communicator
        var value: Int32 = 0
        try Communicator.check(MPI_Comm_rank(communicator, &value), "MPI_Comm_rank")
        rank = Int(value)
        try Communicator.check(MPI_Comm_size(communicator, &value), "MPI_Comm_size")
        size = Int(value)
        var node: MPI_Comm? = cmpi_comm_null()
        try Communicator.check(MPI_Comm_split_type(communicator, cmpi_comm_type_shared(), Int32(rank), cmpi_info_null(), &node),
                               "MPI_Comm_split_type")
        defer { MPI_Comm_free(&node) }
        try Communicator.check(MPI_Comm_rank(node, &value), "MPI_Comm_rank(node)")
        localRank = Int(value)
        try Communicator.check(MPI_Comm_size(node, &value), "MPI_Comm_size(node)")
        localSize = Int(value)
    }

    /// Ends MPI for the process; call once, after the last collective.
    public func finalize() throws {
        var finalized: Int32 = 0
        try Communicator.check(MPI_Finalized(&finalized), "MPI_Finalized")
        if finalized == 0 { try Communicator.check(MPI_Finalize(), "MPI_Finalize") }
    }

    /// Writes `message` to standard error, naming this rank, and aborts every process of the job.
    public func abort(message: String) -> Never {
        FileHandle.standardError.write(Data("rank \(rank): \(message)\n".utf8))
        MPI_Abort(communicator, 1)
        exit(1)
    }

    /// Sums `buffer` over all ranks, in place; every rank gets the total.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try Communicator.check(MPI_Allreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_float(), cmpi_sum(), communicator),
                               "MPI_Allreduce")
    }

    /// Sums `buffer` over all ranks, in place (Float64).
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try Communicator.check(MPI_Allreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_double(), cmpi_sum(), communicator),
                               "MPI_Allreduce")
    }

    /// The largest `value` over all ranks: how ranks agree on a flag (stop, skip) at a step boundary.
    public func allReduceMax(_ value: Int64) throws -> Int64 {
        var result = value
        try Communicator.check(MPI_Allreduce(cmpi_in_place(), &result, 1, cmpi_int64(), cmpi_max(), communicator), "MPI_Allreduce(max)")
        return result
    }

    /// Starts summing `buffer` over all ranks in place and returns at once, so communication runs
    /// while the caller computes.
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> ReductionHandle {
        var request: MPI_Request? = cmpi_request_null()
        try Communicator.check(MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_float(), cmpi_sum(),
                                              communicator, &request), "MPI_Iallreduce")
        return ReductionHandle(request: request)
    }

    /// Drives started reductions forward (Open MPI has no progress thread by default).
    public func progress(_ handles: inout [ReductionHandle]) throws {
        guard !handles.isEmpty else { return }
        var requests = handles.map { $0.request }
        var done: Int32 = 0
        try Communicator.check(MPI_Testall(Int32(requests.count), &requests, &done, cmpi_statuses_ignore()), "MPI_Testall")
        // MPI_Testall completes all or none; a completed request is set to MPI_REQUEST_NULL.
        handles = requests.map { ReductionHandle(request: $0, isComplete: done != 0 || $0 == cmpi_request_null()) }
    }

    /// Blocks until every started reduction has finished.
    public func waitAll(_ handles: inout [ReductionHandle]) throws {
        guard !handles.isEmpty else { return }
        var requests = handles.map { $0.request }
        try Communicator.check(MPI_Waitall(Int32(requests.count), &requests, cmpi_statuses_ignore()), "MPI_Waitall")
        handles.removeAll()
    }

    /// Copies `buffer` from `root` to every rank.
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        try Communicator.check(MPI_Bcast(buffer.baseAddress, Int32(buffer.count), cmpi_float(), Int32(root), communicator), "MPI_Bcast")
    }

    /// Copies raw bytes from `root` to every rank (configuration, RNG states).
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        try Communicator.check(MPI_Bcast(buffer.baseAddress, Int32(buffer.count), cmpi_uint8(), Int32(root), communicator), "MPI_Bcast")
    }

    /// Gathers every rank's `values` (counts may differ) at `root`, in rank order; other ranks get `[]`.
    public func gather(_ values: [Float], root: Int) throws -> [Float] {
        var counts = [Int32](repeating: 0, count: size)
        var count = Int32(values.count)
        try Communicator.check(MPI_Gather(&count, 1, cmpi_int32(), &counts, 1, cmpi_int32(), Int32(root), communicator), "MPI_Gather")
        var offsets = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { offsets[r] = offsets[r - 1] + counts[r - 1] }
        var result = [Float](repeating: 0, count: rank == root ? Int(counts.reduce(0, +)) : 0)
        try values.withUnsafeBufferPointer { send in
            try result.withUnsafeMutableBufferPointer { receive in
                try Communicator.check(MPI_Gatherv(send.baseAddress, count, cmpi_float(), receive.baseAddress, &counts, &offsets,
                                                   cmpi_float(), Int32(root), communicator), "MPI_Gatherv")
            }
        }
        return result
    }

    /// The ranks of this communicator with the same `color`, ordered by `key` (`MPI_Comm_split`): how a sweep cuts
    /// the job into groups that each train one trial. Every rank must call it.
    public func split(color: Int, key: Int) throws -> Communicator {
        var part: MPI_Comm? = cmpi_comm_null()
        try Communicator.check(MPI_Comm_split(communicator, Int32(color), Int32(key), &part), "MPI_Comm_split")
        try Communicator.check(MPI_Comm_set_errhandler(part, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        return try Communicator(part!)
    }

    /// Sends `bytes` to one rank with `tag` (`MPI_Send`; small messages return at once, larger ones when received).
    public func send(_ bytes: [UInt8], to destination: Int, tag: Int) throws {
        try bytes.withUnsafeBufferPointer { buffer in
            try Communicator.check(MPI_Send(buffer.baseAddress, Int32(buffer.count), cmpi_uint8(), Int32(destination), Int32(tag),
                                            communicator), "MPI_Send")
        }
    }

    /// The next message with `tag` (from `source`, or from any rank if nil) if one has arrived, as its sender and
    /// bytes; nil at once otherwise (`MPI_Iprobe`, then `MPI_Recv`), so a waiting rank can sleep instead of spin.
    public func receiveIfArrived(tag: Int, from source: Int? = nil) throws -> (source: Int, bytes: [UInt8])? {
        var arrived: Int32 = 0
        var status = MPI_Status()
        try Communicator.check(MPI_Iprobe(Int32(source ?? Int(cmpi_any_source())), Int32(tag), communicator, &arrived, &status),
                               "MPI_Iprobe")
        guard arrived != 0 else { return nil }
        var count: Int32 = 0
        try Communicator.check(MPI_Get_count(&status, cmpi_uint8(), &count), "MPI_Get_count")
        var bytes = [UInt8](repeating: 0, count: Int(count))
        try bytes.withUnsafeMutableBufferPointer { buffer in
            try Communicator.check(MPI_Recv(buffer.baseAddress, count, cmpi_uint8(), status.MPI_SOURCE, Int32(tag), communicator,
                                            cmpi_status_ignore()), "MPI_Recv")
        }
        return (Int(status.MPI_SOURCE), bytes)
    }

    /// Waits for the next message with `tag` from `source`, polling every `interval` seconds between sleeps.
    public func receive(tag: Int, from source: Int, interval: TimeInterval = 0.002) throws -> [UInt8] {
        while true {
            if let message = try receiveIfArrived(tag: tag, from: source) { return message.bytes }
            Thread.sleep(forTimeInterval: interval)
        }
    }

    /// Waits until every rank has called it.
    public func barrier() throws {
        try Communicator.check(MPI_Barrier(communicator), "MPI_Barrier")
    }

    private static func check(_ code: Int32, _ function: String) throws {
        guard code != 0 else { return }
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        throw MPIError(function: function, code: code, message: String(decoding: bytes, as: UTF8.self))
    }
}
