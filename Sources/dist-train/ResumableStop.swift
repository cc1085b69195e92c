/// How a training run ended, and the exit status that tells a launcher (a Slurm batch script, say) a preemption
/// from a failure.
enum TrainingOutcome: Equatable {
    /// Every step ran; exit status 0.
    case completed
    /// A signal stopped all ranks early after a checkpoint was written; exit status `resumableExitStatus`.
    case stopped

    /// 75 (`EX_TEMPFAIL` of sysexits.h, "try again later"): stopped by SIGTERM, SIGINT or SIGUSR1 after writing a
    /// checkpoint; run the same command again (it resumes with `--resume auto`). Every rank exits with it.
    static let resumableExitStatus: Int32 = 75
}

/// The program version recorded in checkpoints and printed by `--version`.
enum DistTrainVersion {
    static let current = "0.1.0"
}
