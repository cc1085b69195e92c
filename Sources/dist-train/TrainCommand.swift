import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train train` (the default command): parses the options into a `TrainingRunConfiguration` and hands it
/// to the library's `TrainingRun`, over all ranks of the job (`mpirun -n 4 dist-train`) or in one process.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a network (a 1-D ResNet), data-parallel over the ranks of an MPI job (the default command).",
        discussion: """
            Data: --data names a prepared dataset (dist-train prepare) or a directory of WFDB records (prepared \
            into the cache once, with the task flags --classes, --reference, --leads, --rate and \
            --drop-flat-leads as prepare has them; a REFERENCE.csv there makes a single-label task); without it, \
            1,000 simulated 12-lead records with occasional recording faults. The dataset's task decides the network's inputs (its leads) and \
            outputs (its classes) and the loss: binary cross-entropy for a multi-label task, softmax \
            cross-entropy for a single-label one, with --class-weights. Training uses the dataset's train split \
            (random crops of --length samples, each lead centred), validation its validation split, and the \
            final report its test split.

            Each rank trains on its part of every global batch; gradients are summed over ranks in buckets \
            that overlap backward, and every rank applies the same optimizer step. Rank 0 shows progress; \
            every rank appends per-step metrics to <log-dir>/rank-<r>.jsonl.

            Validation (every epoch, or every --validate-every steps) of a multi-label task reports the official \
            Challenge metrics and tunes per-class decision thresholds to maximise the Challenge metric (a class \
            list of one's own, prepare --classes FILE, has no Challenge weights: AUROC, AUPRC and F-measures at \
            thresholds 0.5, no Challenge metric); of a single-label task, accuracy, F1s, the confusion matrix and \
            (classes N, A, O, ~) the CinC 2017 score. The task's metric (tuned Challenge metric, macro AUROC for \
            a class list of one's own, CinC 2017 score, or macro F1; --select-metric overrides) \
            picks best.nc, drives the plateau schedule and early stopping. At the end, rank 0 evaluates best.nc \
            on the test split and writes a report (per-class table as text, JSON and CSV, learning curves and \
            per-class charts or the confusion matrix as SVG) into <checkpoint-dir>/report.

            Checkpoints: rank 0 writes <checkpoint-dir>/step-<step>.nc at the end of every epoch, every \
            --checkpoint-every steps and when stopped, keeping the newest --keep-last and best.nc. A new run \
            resumes from the newest usable checkpoint there (--resume auto), exactly: the same world size \
            continues bit-identically. SIGTERM, SIGINT or SIGUSR1 on any rank stops all ranks after the current \
            step; rank 0 writes a checkpoint and every rank exits with status 75 (EX_TEMPFAIL: stopped early, \
            resumable by running the same command again).
            """)

    @OptionGroup var network: ModelOptions

    @OptionGroup var data: DataOptions

    @OptionGroup var task: TaskOptions

    @Option(help: "Sampling rate a record directory given as --data is prepared at, in Hz.")
    var rate: Double = 500

    @Option(help: ArgumentHelp("Class weights of the loss: none, balanced (n / (classes x count) from the training split, as scikit-learn; for multi-label, negatives/positives as pos_weight) or a file of CODE,WEIGHT lines.", valueName: "none|balanced|FILE"))
    var classWeights = "none"

    @Option(help: ArgumentHelp("The validation metric that picks best.nc and drives the schedule and early stopping: \(ValidationMetric.allCases.map(\.rawValue).joined(separator: ", ")). Default: the task's: tuned-challenge for the 2020 or 2021 Challenge classes; macro-auroc for a multi-label class list of one's own (it has no Challenge weights, so no Challenge metric; tuned-challenge and challenge do not apply); cinc2017 for N, A, O, ~; macro-f1 for other single-label tasks.", valueName: "METRIC"))
    var selectMetric: String?

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

    @Option(name: .customLong("lr"), parsing: .unconditional, help: "Peak learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "Weight decay (L2 for adam and sgd, decoupled for adamw).")
    var weightDecay: Float = 1e-5

    @OptionGroup var schedule: ScheduleOptions

    @OptionGroup var augmentation: AugmentationOptions

    @Option(parsing: .unconditional, help: ArgumentHelp("Share of every epoch's samples that are simulated 12-lead records mixed into the real training split, in [0, 1): F gives round(N*F/(1-F)) fresh simulated samples per epoch beside the N real ones, prepared as the dataset's records (leads, rate, band-pass, classes), deterministic for --seed (default 0: none).", valueName: "F"))
    var syntheticFraction = 0.0

    @Option(help: ArgumentHelp("Comma-separated classes (abbreviations or SNOMED-CT codes of dataset classes the simulator draws) whose odds the simulated records are drawn with raised \(Int(SyntheticMix.favouredClassWeight))-fold; default: the drawable classes with fewer training positives than the median one.", valueName: "LIST"))
    var syntheticClasses: String?

    @Flag(help: "Compute BatchNorm statistics over all ranks, so results do not depend on the number of ranks.")
    var syncBN = false

    @Option(name: .customLong("bucket-mib"), help: "Gradient all-reduce bucket size in MiB (buckets start while backward runs).")
    var bucketMiB: Double = 16

    @Option(help: "Seed of initialisation, data order, augmentation and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Directory for the per-rank JSON-lines metrics logs.")
    var logDir = "dist-train-logs"

    @Option(help: "Rank 0 writes TensorBoard event files into this directory (scalars per step and validation, HParams).")
    var tensorboard: String?

    @Option(help: "After training, rank 0 writes every parameter and buffer here as raw little-endian float32, in state_dict order.")
    var parametersOut: String?

    @Option(help: "Progress display on rank 0: auto (a bar on a terminal, lines otherwise), bar or lines.")
    var progress: ProgressStyle = .auto

    @OptionGroup var checkpointing: CheckpointOptions

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var timeout: CollectiveTimeoutOption

    @OptionGroup var arithmetic: PrecisionOption

    /// The run these options describe, for `threads` threads per rank.
    func runConfiguration(threads: Int = 1) throws -> TrainingRunConfiguration {
        var run = TrainingRunConfiguration()
        run.model = try network.configuration()
        run.data = data.location
        run.preparation = ECGDatasetPreparationOptions(
            samplingFrequency: rate, labels: try task.labelSource(dataDirectory: data.data.map { URL(fileURLWithPath: $0) }),
            leads: try task.leadNames(), dropsFlatLeads: task.dropFlatLeads)
        run.classWeighting = ClassWeighting(parsing: classWeights)
        if let selectMetric {
            guard let metric = ValidationMetric(rawValue: selectMetric) else {
                throw ValidationError("--select-metric \(selectMetric) is not one of "
                                      + ValidationMetric.allCases.map(\.rawValue).joined(separator: ", ") + ".")
            }
            run.selectMetric = metric
        }
        run.epochs = epochs
        run.maxSteps = maxSteps
        run.batchSize = batchSize
        run.windowLength = length
        run.normalization = normalization
        run.optimizer = optimizer
        run.learningRate = learningRate
        run.weightDecay = weightDecay
        run.schedule = schedule.settings
        run.augmentation = augmentation.policy
        run.syntheticFraction = syntheticFraction
        run.syntheticClasses = syntheticClasses.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        run.synchronizedBatchNormalization = syncBN
        run.bucketMiB = bucketMiB
        run.seed = seed
        run.checkpoints = checkpointing.settings
        run.logDirectory = URL(fileURLWithPath: logDir)
        run.parametersOut = parametersOut.map { URL(fileURLWithPath: $0) }
        run.tensorBoardDirectory = tensorboard.map { URL(fileURLWithPath: $0) }
        run.threads = threads
        run.precision = arithmetic.precision
        run.commandLine = Array(CommandLine.arguments.dropFirst())
        return run
    }

    func validate() throws {
        let configuration = try runConfiguration()
        do {
            try configuration.validate()
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        let world = try timeout.world()
        let outcome: TrainingOutcome
        do {
            let threads = threading.apply(ranksOnNode: world.localSize, rank: world.rank)
            if world.rank == 0 { _ = arithmetic.resolved() }
            let run = try TrainingRun(try runConfiguration(threads: threads), world: world, events: events(world: world))
            // Installed before resuming, so a preemption that arrives while the checkpoint loads stops after the first step.
            StopSignals.install()
            outcome = try run.run()
            try world.finalize()
        } catch {
            Failure.abort(world, message: "\(error)", error: error)
        }
        if case .stopped = outcome { throw ExitCode(TrainingOutcome.resumableExitStatus) }
    }

    /// Rank 0's messages printed, progress drawn as `--progress` asks, stop wishes from signals.
    private func events(world: Communicator) -> TrainingRunEvents {
        var reporter: ProgressReporter?
        return TrainingRunEvents(
            message: Console.line,
            stepCompleted: { [progress] report, position in
                if reporter == nil {
                    reporter = ProgressReporter(totalSteps: position.totalSteps, stepsPerEpoch: position.stepsPerEpoch,
                                                startingStep: position.startingStep, style: progress)
                }
                reporter?.show(report)
            },
            stopRequest: { StopSignals.pending.map(StopSignals.name) })
    }
}

extension OptimizerKind: ExpressibleByArgument {}

extension SignalNormalization: ExpressibleByArgument {}
