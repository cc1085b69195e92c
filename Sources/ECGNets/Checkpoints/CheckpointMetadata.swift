import Foundation
import DistTensor

/// What a checkpoint says about its run besides the numbers of the network: the model, where training stood, the
/// settings that fix the data order, the decision thresholds, and opaque JSON that other parts of training own.
///
/// Every counter needed for an exact continuation is here: the generators of this project are counter-based, so
/// the data order is a function of `(seed, epoch)` and dropout masks of `(seed, globalStep, rank)`.
public struct CheckpointMetadata: Sendable, Equatable, Codable {
    /// The checkpoint layout version this code writes. Version 2 stores the model configuration as
    /// `ModelConfiguration` JSON (`{"architecture": ..., "configuration": ...}`); version 1 stored a bare
    /// `ResNet1DConfiguration`, and is still read.
    public static let formatVersion = 2
    /// The versions this code reads.
    public static let readableVersions = 1...formatVersion

    /// The network's architecture and hyper-parameters (stored as JSON, so a reader can rebuild it).
    public var configuration: ModelConfiguration
    /// SNOMED-CT codes of the outputs, in output order.
    public var classCodes: [String]
    /// Epochs completed (0-based index of the epoch in progress).
    public var epoch: Int
    /// Optimizer steps completed since the start of training.
    public var globalStep: Int
    /// Steps completed in the epoch in progress.
    public var stepInEpoch: Int
    /// Ranks of the job that wrote the checkpoint.
    public var worldSize: Int
    /// Seed of initialisation, data order and dropout.
    public var seed: UInt64
    /// Samples per step over all ranks, and steps per epoch: together they fix which records a step uses.
    public var globalBatchSize: Int
    public var stepsPerEpoch: Int
    /// Per-class decision thresholds (one per class; 0.5 until tuned), in double precision because tuned thresholds
    /// are mid-points between float probabilities that float cannot always hold.
    public var thresholds: [Double]
    /// Samples per lead of the windows the network was trained on, and their sampling rate: evaluation and prediction
    /// cut the same windows.
    public var windowLength: Int
    public var samplingFrequency: Double
    /// How the windows were normalised (the default for checkpoints that do not say is the centred one).
    public var normalization: SignalNormalization
    /// The preparation settings of the training dataset (`ECGDatasetPreparationOptions.canonicalDescription`), so
    /// evaluation can refuse records prepared differently (another band-pass, say).
    public var datasetPreparation: String
    /// The validation Challenge metric at this step, if validation ran; the checkpoint directory keeps the best.
    public var validationMetric: Double?
    /// The version of the program that wrote the checkpoint.
    public var softwareVersion: String
    /// When the checkpoint was written.
    public var created: Date
    /// The run's command-line configuration as JSON.
    public var runConfigurationJSON: String
    /// What the network was trained for (label kind, classes, leads by name, rate); nil in checkpoints written
    /// before tasks existed, which are the 12-lead 2020 task (`task` answers that).
    public var storedTask: ECGTask?
    /// The loss's class weights (`pos_weight` or `weight`), nil for none.
    public var classWeights: [Double]?
    /// The validation metric that picked the best checkpoint and drove the schedule (`ValidationMetric` raw value).
    public var selectionMetric: String?
    /// The arithmetic the network was trained in; nil in checkpoints from before `--precision` (float32). The
    /// parameters are float32 either way.
    public var trainingPrecision: ComputePrecision?
    /// The simulated records mixed into every epoch of training (`--synthetic-fraction`), nil for none.
    public var syntheticMix: SyntheticMix?
    /// The metric history as JSON, owned by the training loop (stored and returned verbatim).
    public var metricHistoryJSON: String
    /// Scheduler and early-stopping state as JSON, owned by the training loop (stored and returned verbatim).
    public var trainingStateJSON: String

    /// Metadata of a checkpoint; thresholds default to 0.5 per class, the JSON fields to empty containers.
    public init(configuration: ModelConfiguration, classCodes: [String], epoch: Int, globalStep: Int, stepInEpoch: Int,
                worldSize: Int, seed: UInt64, globalBatchSize: Int, stepsPerEpoch: Int, thresholds: [Double]? = nil,
                windowLength: Int = 5000, samplingFrequency: Double = 500, normalization: SignalNormalization = .centered,
                datasetPreparation: String = ECGDatasetPreparationOptions().canonicalDescription,
                validationMetric: Double? = nil, softwareVersion: String, created: Date = Date(),
                runConfigurationJSON: String = "{}", metricHistoryJSON: String = "[]", trainingStateJSON: String = "{}",
                task: ECGTask? = nil, classWeights: [Double]? = nil, selectionMetric: String? = nil,
                trainingPrecision: ComputePrecision? = nil, syntheticMix: SyntheticMix? = nil) {
        self.syntheticMix = syntheticMix
        self.storedTask = task
        self.trainingPrecision = trainingPrecision
        self.classWeights = classWeights
        self.selectionMetric = selectionMetric
        self.configuration = configuration
        self.classCodes = classCodes
        self.epoch = epoch
        self.globalStep = globalStep
        self.stepInEpoch = stepInEpoch
        self.worldSize = worldSize
        self.seed = seed
        self.globalBatchSize = globalBatchSize
        self.stepsPerEpoch = stepsPerEpoch
        self.thresholds = thresholds ?? Array(repeating: 0.5, count: configuration.classes)
        self.windowLength = windowLength
        self.samplingFrequency = samplingFrequency
        self.normalization = normalization
        self.datasetPreparation = datasetPreparation
        self.validationMetric = validationMetric
        self.softwareVersion = softwareVersion
        self.created = created
        self.runConfigurationJSON = runConfigurationJSON
        self.metricHistoryJSON = metricHistoryJSON
        self.trainingStateJSON = trainingStateJSON
    }

    /// The task: as stored, or for a checkpoint from before tasks the multi-label task of its classes on the
    /// 12 standard leads at its rate.
    public var task: ECGTask {
        storedTask ?? ECGTask(labelKind: .multiLabel,
                              classes: classCodes.map { ECGTask.Class(code: $0, name: ChallengeDiagnosisCatalog.diagnosis(for: $0)?.abbreviation ?? $0) },
                              leads: ECGTask.twelveLeads, samplingFrequency: samplingFrequency)
    }

    /// The model's short name, e.g. `resnet34`.
    public var modelName: String { configuration.name }

    /// The per-rank generator and sampler state, one row per rank of the writing job: every rank's generators are
    /// counters, so a row is `[seed, epoch, stepInEpoch, globalStep, rank]` (the seed as its bit pattern).
    public var rankStates: [[Int64]] {
        (0..<worldSize).map { [Int64(bitPattern: seed), Int64(epoch), Int64(stepInEpoch), Int64(globalStep), Int64($0)] }
    }

    /// What the columns of `rankStates` mean, stored beside them.
    public static let rankStateWords = ["seed", "epoch", "step_in_epoch", "global_step", "rank"]
}

/// The program version recorded in checkpoints and printed by `--version`.
public enum DistTrainVersion {
    public static let current = "0.1.0"
}

/// Constants and formats shared by the checkpoint writer and reader.
enum CheckpointAttributeNames {
    /// The `format` attribute that marks a file as a dist-train checkpoint.
    static let formatName = "dist-train checkpoint"

    /// ISO 8601 with fractional seconds, UTC (the `created` attribute).
    static func timestamp(_ date: Date) -> String {
        formatter().string(from: date)
    }

    /// The date of a `created` attribute, nil if it is not one.
    static func date(_ text: String) -> Date? {
        formatter().date(from: text)
    }

    private static func formatter() -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
