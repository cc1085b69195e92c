import CMPI
import Dispatch
import Foundation

/// One collective as a rank waits for it: what it is, for messages and for the other ranks' answers.
public struct CollectiveOperation: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Int64, Sendable {
        case allReduce = 1, broadcast, gather, barrier
    }

    public let kind: Kind
    /// Elements it carries (floats, doubles, bytes or integers, as `unit` says).
    public let count: Int
    public let unit: String

    public init(_ kind: Kind, count: Int = 0, unit: String = "floats") {
        self.kind = kind
        self.count = count
        self.unit = unit
    }

    public var description: String {
        switch kind {
        case .allReduce: "all-reduce of \(count) \(unit)"
        case .broadcast: "broadcast of \(count) \(unit)"
        case .gather: "gather of \(count) \(unit)"
        case .barrier: "barrier"
        }
    }
}

/// Bounds every wait of a `Communicator` (PyTorch's process-group timeout and watchdog, for MPI, whose collectives
/// have none), and names who is missing when a wait runs out.
///
/// Collectives are started non-blocking and polled with `MPI_Test` against a deadline. Every rank numbers the
/// collectives it starts (all ranks start the same ones in the same order) and, while it polls, answers queries on a
/// communicator of its own with that number and what it waits for. A rank whose wait runs out asks every other rank,
/// gives them `answerWindow` seconds to answer, and so tells ranks that reached the collective from ranks that are
/// behind (they answer with a smaller number) and ranks that cannot answer (stopped, hung in a computation, killed or
/// cut off). The lowest rank that reached the collective prints what it found and ends the job with
/// `exitStatus`; the others wait for it a little, then end the job themselves.
final class CollectiveWatchdog {
    /// Exit status of a job ended by a collective timeout (EX_UNAVAILABLE: a peer is unavailable). The
    /// checkpoints written before are intact; the job resumes from the newest when started again.
    static let exitStatus: Int32 = 69
    /// Seconds a rank waits in one collective before it ends the job; nil waits forever.
    var timeout: Double?
    /// How long a rank that timed out waits for the other ranks' answers.
    var answerWindow: Double { min(5, max(1, (timeout ?? 10) / 5)) }

    private let rank: Int
    private let size: Int
    private let hosts: [String]
    private let control: MPI_Comm
    /// Collectives this rank has started; the number of the newest.
    private(set) var started: Int64 = 0
    /// The collective this rank is waiting for (0: none), what it is and when its wait runs out.
    private var waitingFor: Int64 = 0
    private var waitingOperation = CollectiveOperation(.barrier)
    private var deadline: UInt64 = .max

    private static let queryTag: Int32 = 7_001
    private static let answerTag: Int32 = 7_002
    private static let answerWords = 5
    private var query: MPI_Request? = cmpi_request_null()
    private let queryIn = UnsafeMutablePointer<Int64>.allocate(capacity: 2)
    private let queryOut = UnsafeMutablePointer<Int64>.allocate(capacity: 2)
    private let answersOut: UnsafeMutablePointer<Int64>
    private let answersIn: UnsafeMutablePointer<Int64>
    private var answerSends: [MPI_Request?]

    init(rank: Int, size: Int, hosts: [String], control: MPI_Comm) throws {
        self.rank = rank
        self.size = size
        self.hosts = hosts
        self.control = control
        answersOut = .allocate(capacity: size * Self.answerWords)
        answersIn = .allocate(capacity: size * Self.answerWords)
        answerSends = [MPI_Request?](repeating: cmpi_request_null(), count: size)
        try postQueryReceive()
    }

    deinit {
        queryIn.deallocate()
        queryOut.deallocate()
        answersOut.deallocate()
        answersIn.deallocate()
    }

    /// Counts a started collective and returns its number.
    @discardableResult
    func start() -> Int64 {
        started += 1
        return started
    }

    /// Polls `requests` until all complete, answering other ranks' queries meanwhile. Spins for the first 0.1 s (most
    /// waits are that short), then yields the core between polls (a transfer moves on only while it is polled), and
    /// after 10 s (rank 0 writes a checkpoint or prepares a dataset) polls every millisecond. Past the timeout it does
    /// not return: it diagnoses and ends the job.
    func wait(_ requests: inout [MPI_Request?], for operation: CollectiveOperation) throws {
        guard !requests.isEmpty else { return }
        let begun = DispatchTime.now().uptimeNanoseconds
        waitingFor = started
        waitingOperation = operation
        deadline = timeout.map { begun &+ UInt64($0 * 1e9) } ?? .max
        defer { waitingFor = 0 }
        while true {
            var done: Int32 = 0
            try MPIError.check(MPI_Testall(Int32(requests.count), &requests, &done, cmpi_statuses_ignore()), "MPI_Testall")
            if done != 0 { return }
            try answerQueries()
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { timedOut(operation, after: Double(now - begun) / 1e9) }
            if now - begun > 10_000_000_000 {
                usleep(1_000)
            } else if now - begun > 100_000_000 {
                sched_yield()
            }
        }
    }

    /// Answers every query that has arrived: this rank's count of started collectives, the one it waits for, what
    /// that is and how many milliseconds its own wait has left.
    func answerQueries() throws {
        guard size > 1 else { return }
        while true {
            var arrived: Int32 = 0
            var status = MPI_Status()
            try MPIError.check(MPI_Test(&query, &arrived, &status), "MPI_Test(query)")
            guard arrived != 0 else { return }
            let asker = Int(status.MPI_SOURCE)
            var previous: Int32 = 1
            if answerSends[asker] != cmpi_request_null() {
                try MPIError.check(MPI_Test(&answerSends[asker], &previous, cmpi_status_ignore()), "MPI_Test(answer)")
            }
            if previous != 0 {
                let answer = answersOut + asker * Self.answerWords
                let now = DispatchTime.now().uptimeNanoseconds
                answer[0] = started
                answer[1] = waitingFor
                answer[2] = waitingFor == 0 ? 0 : waitingOperation.kind.rawValue
                answer[3] = Int64(waitingOperation.count)
                answer[4] = waitingFor == 0 || deadline == .max ? -1 : Int64(deadline > now ? (deadline - now) / 1_000_000 : 0)
                try MPIError.check(MPI_Isend(answer, Int32(Self.answerWords), cmpi_int64(), Int32(asker), Self.answerTag, control,
                                             &answerSends[asker]), "MPI_Isend(answer)")
            }
            try postQueryReceive()
        }
    }

    /// Stops listening for queries (before `MPI_Finalize`).
    func close() {
        if query != cmpi_request_null() {
            MPI_Cancel(&query)
            MPI_Wait(&query, cmpi_status_ignore())
        }
    }

    private func postQueryReceive() throws {
        try MPIError.check(MPI_Irecv(queryIn, 2, cmpi_int64(), cmpi_any_source(), Self.queryTag, control, &query), "MPI_Irecv(query)")
    }

    /// What another rank said when asked, or nil if it did not answer in time.
    struct Answer {
        let started: Int64
        let waitingFor: Int64
        let operation: CollectiveOperation?
        /// Milliseconds its own wait had left (-1: not waiting, or waiting forever).
        let remainingMilliseconds: Int64
    }

    /// Asks every other rank where it is, reports and ends the job.
    private func timedOut(_ operation: CollectiveOperation, after seconds: Double) -> Never {
        let number = waitingFor
        let answers = askEveryRank(about: number)
        let report = CollectiveTimeoutReport(rank: rank, hosts: hosts, operation: operation, number: number,
                                             timeout: timeout ?? seconds, answerWindow: answerWindow, answers: answers)
        if report.reporter != rank {
            // The lowest rank that reached the collective reports; give it until its own wait has run out and it
            // has heard the answers, then end the job from here in case it could not.
            let remaining = answers[report.reporter]?.remainingMilliseconds ?? 0
            let until = DispatchTime.now().uptimeNanoseconds + UInt64(max(0, remaining)) * 1_000_000
                + UInt64((answerWindow + 5) * 1e9)
            while DispatchTime.now().uptimeNanoseconds < until {
                try? answerQueries()
                usleep(1_000)
            }
        }
        end(with: report.message)
    }

    /// Sends the query to every other rank and collects the answers that come within `answerWindow`, answering
    /// the queries of ranks that time out at the same moment.
    private func askEveryRank(about number: Int64) -> [Int: Answer] {
        queryOut[0] = number
        queryOut[1] = Int64(rank)
        var sends = [MPI_Request?](repeating: cmpi_request_null(), count: size)
        var receives = [MPI_Request?](repeating: cmpi_request_null(), count: size)
        for peer in 0..<size where peer != rank {
            MPI_Isend(queryOut, 2, cmpi_int64(), Int32(peer), Self.queryTag, control, &sends[peer])
            MPI_Irecv(answersIn + peer * Self.answerWords, Int32(Self.answerWords), cmpi_int64(), Int32(peer), Self.answerTag,
                      control, &receives[peer])
        }
        var answers: [Int: Answer] = [:]
        let until = DispatchTime.now().uptimeNanoseconds + UInt64(answerWindow * 1e9)
        while answers.count < size - 1 && DispatchTime.now().uptimeNanoseconds < until {
            for peer in 0..<size where peer != rank && answers[peer] == nil {
                var arrived: Int32 = 0
                guard MPI_Test(&receives[peer], &arrived, cmpi_status_ignore()) == 0, arrived != 0 else { continue }
                let words = answersIn + peer * Self.answerWords
                answers[peer] = Answer(started: words[0], waitingFor: words[1],
                                       operation: CollectiveOperation.Kind(rawValue: words[2]).map {
                                           CollectiveOperation($0, count: Int(words[3]))
                                       },
                                       remainingMilliseconds: words[4])
            }
            try? answerQueries()
            usleep(500)
        }
        return answers
    }

    /// Prints `message` and ends every process of the job with `exitStatus`. If the runtime cannot deliver the
    /// abort (its daemon on this node lost its link too), this process exits by itself ten seconds later.
    private func end(with message: String) -> Never {
        FileHandle.standardError.write(Data("rank \(rank): \(message)\n".utf8))
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 10)
            _exit(CollectiveWatchdog.exitStatus)
        }
        MPI_Abort(cmpi_comm_world(), Self.exitStatus)
        _exit(Self.exitStatus)
    }
}

/// What a rank whose collective timed out found, as one message: the collective, the ranks (with their hosts) that
/// did not answer, those that answered but had not reached it, and what to do.
struct CollectiveTimeoutReport {
    let rank: Int
    let hosts: [String]
    let operation: CollectiveOperation
    /// The collective's number in every rank's count.
    let number: Int64
    let timeout: Double
    let answerWindow: Double
    let answers: [Int: CollectiveWatchdog.Answer]

    /// Ranks that did not answer at all.
    var silent: [Int] { (0..<hosts.count).filter { $0 != rank && answers[$0] == nil } }
    /// Ranks that answered but had not started the collective.
    var behind: [Int] { answers.filter { $0.value.started < number }.map(\.key).sorted() }
    /// Ranks that reached it (this one included).
    var arrived: [Int] { [rank] + answers.filter { $0.value.started >= number }.map(\.key) }
    /// The rank that prints the report: the lowest that reached the collective.
    var reporter: Int { arrived.min() ?? rank }

    var message: String {
        var parts: [String] = []
        if !silent.isEmpty {
            parts.append("\(Self.ranks(silent, hosts)) did not arrive and did not answer within \(Self.seconds(answerWindow)) "
                         + "(stopped, hung, killed, or cut off from this rank)")
        }
        for peer in behind {
            let answer = answers[peer]!
            let place = answer.operation.map { "still waits in collective #\(answer.waitingFor) (\($0))" }
                ?? "is computing, before it"
            parts.append("\(Self.ranks([peer], hosts)) answered: it \(place)")
        }
        if parts.isEmpty {
            parts.append("every rank reached it, yet it did not complete (messages lost or the network too slow)")
        }
        let others = arrived.filter { $0 != rank }.sorted()
        let reached = others.isEmpty ? "" : "; \(Self.ranks(others, hosts)) reached it"
        return "collective #\(number) (\(operation)) did not complete within \(Self.seconds(timeout)) "
            + "(--collective-timeout): " + parts.joined(separator: "; ") + reached + ". Ending the job with status "
            + "\(CollectiveWatchdog.exitStatus); the checkpoints written so far are intact, and the same command resumes "
            + "from the newest."
    }

    /// "rank 3 (host b)", "ranks 2, 3 (host b)", "ranks 0 (host a), 3 (host b)".
    static func ranks(_ ranks: [Int], _ hosts: [String]) -> String {
        var groups: [(host: String, ranks: [Int])] = []
        for rank in ranks.sorted() {
            let host = rank < hosts.count ? hosts[rank] : "?"
            if let last = groups.indices.last, groups[last].host == host {
                groups[last].ranks.append(rank)
            } else {
                groups.append((host, [rank]))
            }
        }
        let text = groups.map { "\($0.ranks.map(String.init).joined(separator: ", ")) on \($0.host)" }.joined(separator: "; ")
        return (ranks.count == 1 ? "rank " : "ranks ") + text
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}
