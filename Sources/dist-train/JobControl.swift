import ArgumentParser
import DistTensor
import Foundation

/// Records SIGTERM, SIGINT and SIGUSR1 instead of dying, so training can stop at the next step
/// boundary with every rank agreeing (and, later, a checkpoint written).
enum StopSignals {
    /// The last signal received, 0 if none. Written only by the handler, read between steps.
    nonisolated(unsafe) private static var received: sig_atomic_t = 0

    /// Installs the handlers; call once before training.
    static func install() {
        for signalNumber in [SIGTERM, SIGINT, SIGUSR1] {
            signal(signalNumber) { StopSignals.received = $0 }
        }
    }

    /// The signal received since `install`, if any.
    static var pending: Int32? { received == 0 ? nil : received }

    /// A signal's conventional name, for messages.
    static func name(_ signalNumber: Int32) -> String {
        switch signalNumber {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGUSR1: "SIGUSR1"
        default: "signal \(signalNumber)"
        }
    }
}

/// How a command that failed ends an MPI job.
enum Failure {
    /// Ends every rank with `message`. A rank that only learnt that rank 0 failed waits a moment first, so rank 0,
    /// which is ending the job with the reason, is the one whose message gets printed.
    static func abort(_ world: Communicator, message: String, error: Error) -> Never {
        if error is RankZeroFailure && world.rank != 0 { Thread.sleep(forTimeInterval: 2) }
        world.abort(message: message)
    }
}

/// `--collective-timeout`: how long a rank waits for the others in one collective before it ends the job.
struct CollectiveTimeoutOption: ParsableArguments {
    /// Five minutes: far above a step's all-reduce or a checkpoint write, short of an allocation's worth of waiting.
    static let defaultSeconds = 300.0

    @Option(help: ArgumentHelp(
        "Seconds a rank waits for the other ranks in one collective (all-reduce, broadcast, gather, barrier) before it "
            + "ends the job with status \(Communicator.collectiveTimeoutExitStatus), naming the operation and the ranks and "
            + "hosts that did not arrive (stopped, hung, killed, cut off). Default \(Int(defaultSeconds)) (5 minutes); 0 "
            + "waits forever. Raise it if rank 0 needs longer for a checkpoint or a validation; preparing a dataset is "
            + "not bounded. The checkpoints already written stay intact and the job resumes from the newest.",
        valueName: "SECONDS"))
    var collectiveTimeout = CollectiveTimeoutOption.defaultSeconds

    func validate() throws {
        guard collectiveTimeout >= 0, collectiveTimeout.isFinite else {
            throw ValidationError("--collective-timeout must be a number of seconds, at least 0 (0 waits forever); got \(collectiveTimeout).")
        }
    }

    /// The world communicator with this timeout.
    func world() throws -> Communicator {
        try Communicator.world(collectiveTimeout: collectiveTimeout > 0 ? collectiveTimeout : nil)
    }
}
