import Foundation
import CMPI

/// A failed MPI call: which function, its error code and MPI's own description.
public struct MPIError: Error, CustomStringConvertible, Sendable {
    public let function: String
    public let code: Int32
    public let message: String

    public var description: String { "MPI error in \(function) (code \(code)): \(message)" }

    /// Throws unless `code` is MPI_SUCCESS.
    static func check(_ code: Int32, _ function: String) throws {
        guard code != 0 else { return }
        var buffer = [CChar](repeating: 0, count: Int(cmpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &buffer, &length)
        let bytes = buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }
        throw MPIError(function: function, code: code, message: String(decoding: bytes, as: UTF8.self))
    }
}

/// The processes of one job and the collective operations data parallelism needs, over Open MPI's
/// `MPI_COMM_WORLD`.
///
/// Every MPI return code is checked and turned into a thrown `MPIError` (the communicator uses
/// `MPI_ERRORS_RETURN` instead of MPI's default abort). Every collective is started non-blocking and waited for
/// by a `CollectiveWatchdog`, so no wait outlasts `collectiveTimeout`: one that would ends the job, naming the
/// ranks and hosts that did not arrive. A program started without `mpirun` is a world of one (MPI's singleton
/// initialisation) and runs the same code.
public final class Communicator: ProcessGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// Rank among the processes on this node, and how many there are (for threads per rank).
    public let localRank: Int
    public let localSize: Int
    /// Every rank's host name (`MPI_Get_processor_name`), in rank order.
    public let hosts: [String]
    /// Seconds a rank waits in one collective before it ends the job (nil: forever).
    public var collectiveTimeout: Double? {
        get { watchdog.timeout }
        set { watchdog.timeout = newValue }
    }
    /// Exit status of a job a collective timeout ended.
    public static let collectiveTimeoutExitStatus = CollectiveWatchdog.exitStatus
    private let communicator: MPI_Comm
    private let watchdog: CollectiveWatchdog

    /// Initialises MPI once for the process (funnelled threading: only the main thread calls MPI) and
    /// returns the world communicator, with `collectiveTimeout` seconds for every collective.
    public static func world(collectiveTimeout: Double? = nil) throws -> Communicator {
        var initialised: Int32 = 0
        try MPIError.check(MPI_Initialized(&initialised), "MPI_Initialized")
        if initialised == 0 {
            var provided: Int32 = 0
            try MPIError.check(MPI_Init_thread(nil, nil, cmpi_thread_funneled(), &provided), "MPI_Init_thread")
        }
        let world: MPI_Comm = cmpi_comm_world()
        try MPIError.check(MPI_Comm_set_errhandler(world, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        let communicator = try Communicator(world)
        communicator.collectiveTimeout = collectiveTimeout
        return communicator
    }

    private init(_ communicator: MPI_Comm) throws {
        self.communicator = communicator
        var value: Int32 = 0
        try MPIError.check(MPI_Comm_rank(communicator, &value), "MPI_Comm_rank")
        rank = Int(value)
        try MPIError.check(MPI_Comm_size(communicator, &value), "MPI_Comm_size")
        size = Int(value)
        var node: MPI_Comm? = cmpi_comm_null()
        try MPIError.check(MPI_Comm_split_type(communicator, cmpi_comm_type_shared(), Int32(rank), cmpi_info_null(), &node),
                           "MPI_Comm_split_type")
        defer { MPI_Comm_free(&node) }
        try MPIError.check(MPI_Comm_rank(node, &value), "MPI_Comm_rank(node)")
        localRank = Int(value)
        try MPIError.check(MPI_Comm_size(node, &value), "MPI_Comm_size(node)")
        localSize = Int(value)
        hosts = try Self.hostNames(communicator, size: size)
        var control: MPI_Comm? = cmpi_comm_null()
        try MPIError.check(MPI_Comm_dup(communicator, &control), "MPI_Comm_dup")
        try MPIError.check(MPI_Comm_set_errhandler(control, cmpi_errors_return()), "MPI_Comm_set_errhandler")
        watchdog = try CollectiveWatchdog(rank: rank, size: size, hosts: hosts, control: control!)
    }

    /// Every rank's processor name, gathered once at start-up (fixed-size records, so one all-gather).
    private static func hostNames(_ communicator: MPI_Comm, size: Int) throws -> [String] {
        let width = Int(cmpi_max_processor_name())
        var name = [CChar](repeating: 0, count: width)
        var length: Int32 = 0
        try MPIError.check(MPI_Get_processor_name(&name, &length), "MPI_Get_processor_name")
        var all = [CChar](repeating: 0, count: width * size)
        try MPIError.check(MPI_Allgather(&name, Int32(width), cmpi_char(), &all, Int32(width), cmpi_char(), communicator),
                           "MPI_Allgather(host names)")
        return (0..<size).map { rank in
            let record = all[(rank * width)..<((rank + 1) * width)].prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: record, as: UTF8.self)
        }
    }

    /// Ends MPI for the process; call once, after the last collective. A barrier first, under the timeout, so a
    /// rank that never arrives ends the job here too instead of holding `MPI_Finalize`.
    public func finalize() throws {
        var finalized: Int32 = 0
        try MPIError.check(MPI_Finalized(&finalized), "MPI_Finalized")
        guard finalized == 0 else { return }
        try barrier()
        watchdog.close()
        try MPIError.check(MPI_Finalize(), "MPI_Finalize")
    }

    /// Writes `message` to standard error, naming this rank, and aborts every process of the job.
    public func abort(message: String) -> Never {
        FileHandle.standardError.write(Data("rank \(rank): \(message)\n".utf8))
        MPI_Abort(communicator, 1)
        exit(1)
    }

    /// Sums `buffer` over all ranks, in place; every rank gets the total.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try collective(CollectiveOperation(.allReduce, count: buffer.count), "MPI_Iallreduce") { request in
            MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_float(), cmpi_sum(), communicator, &request)
        }
    }

    /// Sums `buffer` over all ranks, in place (Float64).
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try collective(CollectiveOperation(.allReduce, count: buffer.count, unit: "doubles"), "MPI_Iallreduce") { request in
            MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_double(), cmpi_sum(), communicator, &request)
        }
    }

    /// The largest `value` over all ranks: how ranks agree on a flag (stop, skip) at a step boundary.
    public func allReduceMax(_ value: Int64) throws -> Int64 {
        var result = value
        try withUnsafeMutablePointer(to: &result) { result in
            try collective(CollectiveOperation(.allReduce, count: 1, unit: "integer (max)"), "MPI_Iallreduce(max)") { request in
                MPI_Iallreduce(cmpi_in_place(), result, 1, cmpi_int64(), cmpi_max(), communicator, &request)
            }
        }
        return result
    }

    /// Starts summing `buffer` over all ranks in place and returns at once, so communication runs
    /// while the caller computes.
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> ReductionHandle {
        var request: MPI_Request? = cmpi_request_null()
        watchdog.start()
        try MPIError.check(MPI_Iallreduce(cmpi_in_place(), buffer.baseAddress, Int32(buffer.count), cmpi_float(), cmpi_sum(),
                                          communicator, &request), "MPI_Iallreduce")
        return ReductionHandle(request: request, count: buffer.count)
    }

    /// Drives started reductions forward (Open MPI has no progress thread by default) and answers the
    /// watchdog's queries of other ranks.
    public func progress(_ handles: inout [ReductionHandle]) throws {
        guard !handles.isEmpty else { return }
        var requests = handles.map { $0.request }
        var done: Int32 = 0
        try MPIError.check(MPI_Testall(Int32(requests.count), &requests, &done, cmpi_statuses_ignore()), "MPI_Testall")
        // A completed request is set to MPI_REQUEST_NULL, which later tests and waits skip.
        handles = zip(requests, handles).map { ReductionHandle(request: $0, count: $1.count) }
        try watchdog.answerQueries()
    }

    /// Waits until every started reduction has finished (at most `collectiveTimeout`).
    public func waitAll(_ handles: inout [ReductionHandle]) throws {
        guard !handles.isEmpty else { return }
        var requests = handles.map { $0.request }
        try watchdog.wait(&requests, for: CollectiveOperation(.allReduce, count: handles.reduce(0) { $0 + $1.count },
                                                               unit: "floats in \(handles.count) bucket(s)"))
        handles.removeAll()
    }

    /// Copies `buffer` from `root` to every rank.
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        try collective(CollectiveOperation(.broadcast, count: buffer.count), "MPI_Ibcast") { request in
            MPI_Ibcast(buffer.baseAddress, Int32(buffer.count), cmpi_float(), Int32(root), communicator, &request)
        }
    }

    /// Copies raw bytes from `root` to every rank (configuration, RNG states).
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, root: Int) throws {
        try collective(CollectiveOperation(.broadcast, count: buffer.count, unit: "bytes"), "MPI_Ibcast") { request in
            MPI_Ibcast(buffer.baseAddress, Int32(buffer.count), cmpi_uint8(), Int32(root), communicator, &request)
        }
    }

    /// Gathers every rank's `values` (counts may differ) at `root`, in rank order; other ranks get `[]`.
    public func gather(_ values: [Float], root: Int) throws -> [Float] {
        // Every buffer a non-blocking collective reads or writes stays pinned until the wait has returned.
        var counts = [Int32](repeating: 0, count: size)
        var count = Int32(values.count)
        try withUnsafeMutablePointer(to: &count) { count in
            try counts.withUnsafeMutableBufferPointer { counts in
                try collective(CollectiveOperation(.gather, count: 1, unit: "count"), "MPI_Igather") { request in
                    MPI_Igather(count, 1, cmpi_int32(), counts.baseAddress, 1, cmpi_int32(), Int32(root), communicator, &request)
                }
            }
        }
        var offsets = [Int32](repeating: 0, count: size)
        for r in 1..<max(size, 1) { offsets[r] = offsets[r - 1] + counts[r - 1] }
        var result = [Float](repeating: 0, count: rank == root ? Int(counts.reduce(0, +)) : 0)
        try values.withUnsafeBufferPointer { send in
            try result.withUnsafeMutableBufferPointer { receive in
                try counts.withUnsafeBufferPointer { counts in
                    try offsets.withUnsafeBufferPointer { offsets in
                        try collective(CollectiveOperation(.gather, count: values.count), "MPI_Igatherv") { request in
                            MPI_Igatherv(send.baseAddress, Int32(values.count), cmpi_float(), receive.baseAddress, counts.baseAddress,
                                         offsets.baseAddress, cmpi_float(), Int32(root), communicator, &request)
                        }
                    }
                }
            }
        }
        return result
    }

    /// Waits until every rank has called it.
    public func barrier() throws {
        try collective(CollectiveOperation(.barrier), "MPI_Ibarrier") { request in
            MPI_Ibarrier(communicator, &request)
        }
    }

    /// Starts one non-blocking collective with `start` and waits for it under the watchdog.
    private func collective(_ operation: CollectiveOperation, _ function: String, _ start: (inout MPI_Request?) -> Int32) throws {
        var request: MPI_Request? = cmpi_request_null()
        watchdog.start()
        try MPIError.check(start(&request), function)
        var requests = [request]
        try watchdog.wait(&requests, for: operation)
    }
}
