import DistTensor
import Foundation

/// Everything one training run needs to know, as a plain value: the command line fills it in and `TrainingRun`
/// carries it out. `validate()` checks it before anything runs; its messages name the command-line flag of each
/// setting, since that is where users set them.
public struct TrainingRunConfiguration: Sendable {
    /// The architecture and its hyper-parameters; input leads and output classes are set from the dataset's task.
    public var model: ModelConfiguration = .resnet34
    public var data = DatasetLocation()
    /// How a record directory given as `data` is prepared: labels (and so the task), leads, rate, flat leads.
    public var preparation = ECGDatasetPreparationOptions()
    /// How the loss weights the classes (computed from the training split for `balanced`).
    public var classWeighting: ClassWeighting = .none
    /// The validation metric that picks best.nc and drives the schedule and early stopping; nil for the task's own.
    public var selectMetric: ValidationMetric?
    /// Passes over the training split, and an optional cap on the steps (even within an epoch).
    public var epochs = 3
    public var maxSteps: Int?
    /// Samples per global step, split evenly over the ranks.
    public var batchSize = 32
    /// Samples per lead of a training window, and how windows are scaled.
    public var windowLength = 5000
    public var normalization: SignalNormalization = .centered
    public var optimizer: OptimizerKind = .adam
    /// Peak learning rate and weight decay (L2 for adam and sgd, decoupled for adamw).
    public var learningRate: Float = 1e-3
    public var weightDecay: Float = 1e-5
    public var schedule = ScheduleSettings()
    public var augmentation: AugmentationPolicy = .none
    /// Share of every epoch's samples that are simulated records (`--synthetic-fraction`, 0 for none), and the
    /// classes their draws favour (`--synthetic-classes`; nil: the rarest of the training split). See
    /// `SyntheticMixSource`.
    public var syntheticFraction = 0.0
    public var syntheticClasses: [String]?
    /// BatchNorm statistics over all ranks instead of each rank's share of the batch.
    public var synchronizedBatchNormalization = false
    /// Gradient all-reduce bucket size in MiB.
    public var bucketMiB: Double = 16
    /// Seed of initialisation, data order, augmentation and dropout.
    public var seed: UInt64 = 0
    public var checkpoints = CheckpointSettings()
    /// Directory of the per-rank JSON-lines metrics logs.
    public var logDirectory = URL(fileURLWithPath: "dist-train-logs")
    /// If set, rank 0 writes every parameter and buffer there after training, as raw float32 in state_dict order.
    public var parametersOut: URL?
    /// If set, rank 0 writes TensorBoard event files there (`TensorBoardLog`).
    public var tensorBoardDirectory: URL?
    /// The convolutions' arithmetic (`--precision`), recorded in checkpoints.
    public var precision: ComputePrecision = .float32
    /// Threads per rank (already applied by the caller; shown in the run's description).
    public var threads = 1
    /// The command line that asked for the run, stored in its checkpoints.
    public var commandLine: [String] = []

    public init() {}

    /// Throws the first setting that cannot work.
    public func validate() throws(TrainingRunError) {
        func require(_ condition: Bool, _ message: String) throws(TrainingRunError) {
            if !condition { throw .invalidSetting(message) }
        }
        try require(epochs >= 1, "--epochs must be at least 1.")
        if let maxSteps { try require(maxSteps >= 1, "--max-steps must be at least 1.") }
        try require(batchSize >= 1, "--batch-size must be at least 1.")
        try require(windowLength >= model.minimumWindowLength,
                    "--length must be at least \(model.minimumWindowLength) samples for \(model.name) (got \(windowLength)).")
        try require(learningRate > 0 && learningRate.isFinite, "--lr must be a positive number (got \(learningRate)).")
        try require(weightDecay >= 0, "--weight-decay must not be negative.")
        try require(bucketMiB > 0, "--bucket-mib must be positive.")
        try require(checkpoints.keepLast >= 1, "--keep-last must be at least 1.")
        try require(checkpoints.every >= 0, "--checkpoint-every must not be negative.")
        try require(syntheticFraction >= 0 && syntheticFraction < 1,
                    "--synthetic-fraction must be in [0, 1), the share of each epoch's samples that are simulated (got \(syntheticFraction)).")
        if let syntheticClasses {
            try require(syntheticFraction > 0, "--synthetic-classes chooses the classes of --synthetic-fraction's records; give a fraction above 0.")
            try require(!syntheticClasses.isEmpty, "--synthetic-classes needs at least one class.")
            if let unknown = syntheticClasses.first(where: { !SyntheticMix.isSimulatorClass($0) }) {
                throw .invalidSetting("--synthetic-classes: \(unknown) is not a class the simulator draws; use abbreviations or "
                    + "SNOMED-CT codes of \(SyntheticMix.simulatorClassNames).")
            }
        }
        try schedule.validate()
        do {
            try augmentation.validate()
        } catch {
            throw .invalidSetting("\(error)")
        }
    }

    /// Gradient all-reduce bucket size in floats.
    var bucketElements: Int { max(1, Int(bucketMiB * 1_048_576) / MemoryLayout<Float>.stride) }
}

/// The options that move the learning rate, pace validation and end training early.
public struct ScheduleSettings: Sendable, Equatable {
    /// `--lr-schedule` values.
    public enum Kind: String, CaseIterable, Sendable {
        case constant, cosine, plateau
    }

    public var kind: Kind = .cosine
    /// Warm-up steps of the cosine schedule (nil: 5% of the run's steps).
    public var warmupSteps: Int?
    /// The lowest learning rate the cosine and plateau schedules reach.
    public var minimumLearningRate = 1e-6
    /// Factor of a plateau reduction, and validations without improvement it tolerates first.
    public var plateauFactor = 0.5
    public var plateauPatience = 2
    /// Also validate every N steps (0: only at the end of every epoch).
    public var validateEvery = 0
    /// Stop after N validations in a row without a better metric (0: never).
    public var earlyStoppingPatience = 5

    public init() {}

    public func validate() throws(TrainingRunError) {
        func require(_ condition: Bool, _ message: String) throws(TrainingRunError) {
            if !condition { throw .invalidSetting(message) }
        }
        if let warmupSteps { try require(warmupSteps >= 0, "--warmup-steps must not be negative.") }
        try require(minimumLearningRate >= 0 && minimumLearningRate.isFinite, "--min-lr must be a non-negative number.")
        try require(plateauFactor > 0 && plateauFactor < 1, "--plateau-factor must be in (0, 1).")
        try require(plateauPatience >= 0, "--plateau-patience must not be negative.")
        try require(validateEvery >= 0, "--validate-every must not be negative.")
        try require(earlyStoppingPatience >= 0, "--early-stopping must not be negative.")
    }

    /// The scheduler of a fresh run of `totalSteps` steps from `learningRate`.
    public func scheduler(learningRate: Double, totalSteps: Int) throws(TrainingRunError) -> LearningRateScheduler {
        let schedule: LearningRateSchedule
        switch kind {
        case .constant:
            schedule = .constant
        case .cosine:
            let warmup = min(warmupSteps ?? totalSteps / 20, max(0, totalSteps - 1))
            schedule = .warmupCosine(warmupSteps: warmup, totalSteps: max(totalSteps, warmup + 1),
                                     floor: min(minimumLearningRate, learningRate))
        case .plateau:
            schedule = .reduceOnPlateau(factor: plateauFactor, patience: plateauPatience,
                                        minimumLearningRate: minimumLearningRate, minimumImprovement: 1e-4)
        }
        do {
            return try LearningRateScheduler(schedule: schedule, baseLearningRate: learningRate)
        } catch {
            throw .invalidSetting("the learning-rate schedule is not usable: \(error)")
        }
    }

    /// Early stopping as asked, nil when off.
    public func earlyStopper() throws(TrainingRunError) -> EarlyStopping? {
        guard earlyStoppingPatience > 0 else { return nil }
        do {
            return try EarlyStopping(patience: earlyStoppingPatience)
        } catch {
            throw .invalidSetting("\(error)")
        }
    }
}

/// Where a run's checkpoints go, how many are kept, how often they are written and what the run resumes from.
public struct CheckpointSettings: Sendable, Equatable {
    /// Where a run starts from: the newest usable checkpoint of the directory, none, or a given file.
    public enum Resume: Sendable, Equatable, CustomStringConvertible {
        case auto
        case none
        case file(String)

        public var description: String {
            switch self {
            case .auto: "auto"
            case .none: "none"
            case let .file(path): path
            }
        }
    }

    public var directory = URL(fileURLWithPath: "checkpoints")
    /// Step checkpoints to keep (the newest); best.nc is kept besides.
    public var keepLast = 3
    /// Also write a checkpoint every N steps (0: only at the end of every epoch and when stopped).
    public var every = 0
    public var resume: Resume = .auto

    public init() {}
}

/// How a training run ended, and the exit status that tells a launcher (a Slurm batch script, say) a preemption
/// from a failure.
public enum TrainingOutcome: Equatable, Sendable {
    /// Every step ran (or early stopping ended the run); exit status 0.
    case completed
    /// A stop request ended all ranks early after a checkpoint was written; exit status `resumableExitStatus`.
    case stopped

    /// 75 (`EX_TEMPFAIL` of sysexits.h, "try again later"): stopped by SIGTERM, SIGINT or SIGUSR1 after writing a
    /// checkpoint; run the same command again (it resumes with `--resume auto`). Every rank exits with it.
    public static let resumableExitStatus: Int32 = 75
}

/// Why a training run could not start or go on; each case says what to change.
public enum TrainingRunError: Error, CustomStringConvertible {
    /// A setting of the configuration cannot work (the message names its flag).
    case invalidSetting(String)
    /// Fewer samples per step than ranks.
    case batchSmallerThanWorld(batchSize: Int, ranks: Int)
    /// The dataset's task cannot be trained as asked (the reason says what to change).
    case unusableTask(dataset: String, reason: String)
    /// The training split cannot be cut into the run's steps.
    case unusableTrainingSplit(dataset: String, reason: String)
    /// A checkpoint's training state (schedule, early stopping) is not one this version reads.
    case unreadableTrainingState(checkpoint: String, detail: String)
    /// Rank 0 could not write a checkpoint.
    case checkpointNotWritten(step: Int, reason: String)
    /// The metrics log directory cannot be created or written.
    case unwritableLogDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidSetting(message):
            return message
        case let .batchSmallerThanWorld(batchSize, ranks):
            return "--batch-size \(batchSize) is smaller than the \(ranks) ranks: every rank needs a sample per step."
        case let .unusableTask(dataset, reason):
            return "\(dataset): \(reason)"
        case let .unusableTrainingSplit(dataset, reason):
            return "\(dataset): \(reason)"
        case let .unreadableTrainingState(checkpoint, detail):
            return "the checkpoint \(checkpoint) has a training state this version cannot read (\(detail)); "
                + "resume with --resume none to start afresh"
        case let .checkpointNotWritten(step, reason):
            return "could not write the checkpoint of step \(step): \(reason)"
        case let .unwritableLogDirectory(path, reason):
            return "--log-dir \(path) cannot hold the metrics logs: \(reason). Pass a writable directory as --log-dir."
        }
    }
}
