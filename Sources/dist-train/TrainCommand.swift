import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train train` (the default command): data-parallel training of a ResNet1D over all ranks of
/// the job (`mpirun -n 4 dist-train`), or in one process when started alone.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a ResNet1D, data-parallel over the ranks of an MPI job (the default command).",
        discussion: """
            Data: --data names a prepared dataset (dist-train prepare) or a directory of WFDB records (prepared \
            into the cache once); without it, 1,000 simulated 12-lead records. Training uses the dataset's train \
            split (random 10-s crops, each lead centred), validation its validation split, and \
            the final report its test split.

            Each rank trains on its part of every global batch; gradients are summed over ranks in buckets \
            that overlap backward, and every rank applies the same optimizer step. Rank 0 shows progress; \
            every rank appends per-step metrics to <log-dir>/rank-<r>.jsonl.

            Validation (every epoch, or every --validate-every steps) reports the official Challenge metrics and \
            tunes per-class decision thresholds to maximise the Challenge metric; the tuned metric picks \
            best.nc, drives the plateau schedule and early stopping. At the end, rank 0 evaluates best.nc on \
            the test split and writes a report (per-class table as text, JSON and CSV, learning curves and \
            per-class charts as SVG) into <checkpoint-dir>/report.

            Checkpoints: rank 0 writes <checkpoint-dir>/step-<step>.nc at the end of every epoch, every \
            --checkpoint-every steps and when stopped, keeping the newest --keep-last and best.nc. A new run \
            resumes from the newest usable checkpoint there (--resume auto), exactly: the same world size \
            continues bit-identically. SIGTERM, SIGINT or SIGUSR1 on any rank stops all ranks after the current \
            step; rank 0 writes a checkpoint and every rank exits with status 75 (EX_TEMPFAIL: stopped early, \
            resumable by running the same command again).
            """)

    @OptionGroup var network: ModelOptions

    @OptionGroup var data: DataOptions

    @Option(help: "Passes over the training split (3 suits the built-in 1,000-record set; real data needs tens).")
    var epochs = 3

    @Option(help: "Stop after this many steps, even within an epoch (default: no limit).")
    var maxSteps: Int?

    @Option(help: "Samples per global step, split evenly over the ranks.")
    var batchSize = 32

    @Option(help: "Samples per lead of a training window (5000 = 10 s at 500 Hz).")
    var length = 5000

    @Option(help: ArgumentHelp(
        "How windows are scaled: centered (each lead's mean removed, millivolts kept, so amplitude criteria such as "
            + "low QRS voltage stay visible) or lead (each lead to unit standard deviation).",
        valueName: "centered|lead"))
    var normalization: SignalNormalization = .centered

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: OptimizerKind = .adam

    @Option(name: .customLong("lr"), help: "Peak learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "Weight decay (L2 for adam and sgd, decoupled for adamw).")
    var weightDecay: Float = 1e-5

    @OptionGroup var schedule: ScheduleOptions

    @OptionGroup var augmentation: AugmentationOptions

    @Flag(help: "Compute BatchNorm statistics over all ranks, so results do not depend on the number of ranks.")
    var syncBN = false

    @Option(name: .customLong("bucket-mib"), help: "Gradient all-reduce bucket size in MiB (buckets start while backward runs).")
    var bucketMiB: Double = 16

    @Option(help: "Seed of initialisation, data order, augmentation and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Directory for the per-rank JSON-lines metrics logs.")
    var logDir = "dist-train-logs"

    @Option(help: "After training, rank 0 writes every parameter and buffer here as raw little-endian float32, in state_dict order.")
    var parametersOut: String?

    @Option(help: "Progress display on rank 0: auto (a bar on a terminal, lines otherwise), bar or lines.")
    var progress: ProgressStyle = .auto

    @OptionGroup var checkpointing: CheckpointOptions

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var arithmetic: PrecisionOption

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1.") }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be at least 1.") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        guard length >= 64 else { throw ValidationError("--length must be at least 64 samples.") }
        guard learningRate > 0 else { throw ValidationError("--lr must be positive.") }
        guard weightDecay >= 0 else { throw ValidationError("--weight-decay must not be negative.") }
        guard bucketMiB > 0 else { throw ValidationError("--bucket-mib must be positive.") }
    }

    func run() throws {
        let world = try Communicator.world()
        let outcome: TrainingOutcome
        do {
            outcome = try TrainingRun(self, world: world).run()
            try world.finalize()
        } catch let error as ValidationError {
            world.abort(message: error.message)
        } catch {
            world.abort(message: "\(error)")
        }
        if case .stopped = outcome { throw ExitCode(TrainingOutcome.resumableExitStatus) }
    }
}

extension OptimizerKind: ExpressibleByArgument {}

extension SignalNormalization: ExpressibleByArgument {}
