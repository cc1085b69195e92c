import DistTensor
import Foundation

/// The collective side of checkpoints in `train`: rank 0 reads and writes the files, every rank takes part so that
/// all start from the same state and none runs ahead of (or exits before) a checkpoint that is being written.
///
/// The training loop owns the opaque JSON (`metricHistoryJSON`, `trainingStateJSON`) and the `thresholds`; they are
/// stored verbatim in every checkpoint and come back after `resume()`.
final class TrainingCheckpoints {
    let directory: CheckpointDirectory
    private let options: CheckpointSettings
    private let world: ProcessGroup
    private let trainer: DataParallelTrainer
    private let expectation: CheckpointExpectation
    private let synchronizedBatchNormalization: Bool
    /// The run's command line as JSON, stored in every checkpoint.
    private let runConfigurationJSON: String
    /// The training windows (samples per lead) and their rate, recorded so evaluation cuts the same windows.
    private let windowLength: Int
    private let samplingFrequency: Double
    private let normalization: SignalNormalization
    private let datasetPreparation: String
    /// The task, the loss's class weights and the metric that picks best.nc, recorded in every checkpoint.
    private let task: ECGTask
    private let classWeights: [Float]?
    private let selectionMetric: ValidationMetric
    /// Metric history as JSON, carried through checkpoints untouched.
    var metricHistoryJSON = "[]"
    /// Scheduler and early-stopping state as JSON, carried through checkpoints untouched.
    var trainingStateJSON = "{}"
    /// Per-class decision thresholds.
    var thresholds: [Double]
    private var lastSavedStep: Int?
    /// Rank 0's messages.
    private let output: (String) -> Void

    init(options: CheckpointSettings, world: ProcessGroup, trainer: DataParallelTrainer, expectation: CheckpointExpectation,
         synchronizedBatchNormalization: Bool, runConfigurationJSON: String, windowLength: Int, samplingFrequency: Double,
         normalization: SignalNormalization, datasetPreparation: String, task: ECGTask, classWeights: [Float]?,
         selectionMetric: ValidationMetric, output: @escaping (String) -> Void) {
        self.output = output
        self.task = task
        self.classWeights = classWeights
        self.selectionMetric = selectionMetric
        self.options = options
        self.world = world
        self.trainer = trainer
        self.expectation = expectation
        self.synchronizedBatchNormalization = synchronizedBatchNormalization
        self.runConfigurationJSON = runConfigurationJSON
        self.windowLength = windowLength
        self.samplingFrequency = samplingFrequency
        self.normalization = normalization
        self.datasetPreparation = datasetPreparation
        directory = CheckpointDirectory(url: options.directory, keepLast: options.keepLast)
        thresholds = Array(repeating: 0.5, count: expectation.configuration.classes)
    }

    // MARK: Resuming

    /// What rank 0 found, sent to every rank.
    private struct Announcement: Codable {
        var metadata: CheckpointMetadata?
        var optimizerStepCount: Int
    }

    /// Restores the state of the checkpoint the settings select on every rank (parameters, buffers, optimizer state
    /// and counters) and returns its metadata, or nil when the run starts fresh. A failure on rank 0 is thrown on
    /// every rank.
    @discardableResult
    func resume() throws -> CheckpointMetadata? {
        let announcement = try world.decidedByRankZero(what: "could not resume from a checkpoint") {
            Announcement(metadata: try selectAndRestore(), optimizerStepCount: trainer.optimizer.stepCount)
        }
        guard let metadata = announcement.metadata else { return nil }
        let store = trainer.model.parameters
        try world.broadcast(store.values, root: 0)
        try world.broadcast(store.buffers, root: 0)
        for block in trainer.optimizer.stateBlocks {
            try world.broadcast(block.values, root: 0)
        }
        trainer.optimizer.stepCount = announcement.optimizerStepCount
        try trainer.resume(epoch: metadata.epoch, stepInEpoch: metadata.stepInEpoch)
        metricHistoryJSON = metadata.metricHistoryJSON
        trainingStateJSON = metadata.trainingStateJSON
        thresholds = metadata.thresholds
        lastSavedStep = metadata.globalStep
        if world.rank == 0 && metadata.worldSize != world.size { output(worldSizeNotice(checkpointRanks: metadata.worldSize)) }
        return metadata
    }

    /// Rank 0: cleans the directory, picks the checkpoint, checks it against this run and reads it into the model
    /// and optimizer.
    private func selectAndRestore() throws -> CheckpointMetadata? {
        let leftovers = directory.removeLeftoverTemporaryFiles()
        if !leftovers.isEmpty {
            output("dist-train: removed \(leftovers.count) temporary file(s) of an interrupted checkpoint write: "
                  + leftovers.map(\.lastPathComponent).joined(separator: ", "))
        }
        let open = { (url: URL) throws -> CheckpointReader in
            let reader = try CheckpointReader(url: url)
            try reader.requireCompatible(with: self.expectation)
            try reader.restore(into: self.trainer.model, optimizer: self.trainer.optimizer)
            return reader
        }
        let reader: CheckpointReader
        switch options.resume {
        case .none:
            let existing = directory.stepFiles().count
            if existing > 0 {
                output("dist-train: --resume none: starting afresh; the \(existing) checkpoint(s) in \(directory.url.path) "
                      + "are replaced as this run writes its own")
            }
            return nil
        case let .file(path):
            reader = try open(URL(fileURLWithPath: path))
        case .auto:
            guard let (found, skipped) = try directory.newestUsable(open) else { return nil }
            for reason in skipped { output("dist-train: skipping a damaged checkpoint: \(reason)") }
            reader = found
        }
        let metadata = reader.metadata
        output("dist-train: resuming from \(reader.url.path): step \(metadata.globalStep), epoch \(metadata.epoch + 1) "
              + "step \(metadata.stepInEpoch)/\(metadata.stepsPerEpoch), written by \(metadata.worldSize) rank(s), "
              + "parameters \(reader.storedDigest)")
        return metadata
    }

    /// What changes when a checkpoint of `checkpointRanks` ranks continues on this job's ranks.
    private func worldSizeNotice(checkpointRanks: Int) -> String {
        var differences = ["each rank draws its dropout masks from keys of (seed, step, rank) for a different share of the batch"]
        if !synchronizedBatchNormalization {
            differences.insert("each rank's BatchNorm normalises with the statistics of its own share of the batch "
                               + "(\(expectation.globalBatchSize / world.size) instead of "
                               + "\(expectation.globalBatchSize / checkpointRanks) samples; --sync-bn uses the whole batch)", at: 0)
        }
        differences.append("gradients are summed in another order")
        return "dist-train: notice: the checkpoint was written by \(checkpointRanks) rank(s), this job has \(world.size). "
            + "The data order and every step's global batch depend only on the seed and the epoch, so training "
            + "continues on the same records; but " + differences.joined(separator: ", ")
            + ". The continuation is therefore not bit-identical to an uninterrupted \(checkpointRanks)-rank run."
    }

    // MARK: Saving

    /// Whether `--checkpoint-every` asks for a checkpoint after `step`.
    func isPeriodic(step: Int) -> Bool {
        options.every > 0 && step % options.every == 0
    }

    /// Writes a checkpoint of the current state (rank 0), unless one of this step was already written and `replacing`
    /// is false, and returns on every rank only once it is on disk. A failure to write is thrown on every rank.
    @discardableResult
    func save(validationMetric: Double?, replacing: Bool = false) throws -> URL? {
        let step = trainer.globalStep
        guard replacing || lastSavedStep != step else { return nil }
        // Every rank waits here until rank 0's file is on disk (or has failed): none runs ahead or exits before it.
        let written = try world.decidedByRankZero(what: "could not write the checkpoint of step \(step)") { () throws -> String in
            let metadata = CheckpointMetadata(
                configuration: expectation.configuration, classCodes: expectation.classCodes, epoch: trainer.epoch,
                globalStep: step, stepInEpoch: trainer.stepInEpoch, worldSize: world.size, seed: expectation.seed,
                globalBatchSize: expectation.globalBatchSize, stepsPerEpoch: expectation.stepsPerEpoch,
                thresholds: thresholds, windowLength: windowLength,
                samplingFrequency: samplingFrequency, normalization: normalization,
                datasetPreparation: datasetPreparation, validationMetric: validationMetric, softwareVersion: DistTrainVersion.current,
                runConfigurationJSON: runConfigurationJSON, metricHistoryJSON: metricHistoryJSON,
                trainingStateJSON: trainingStateJSON, task: task, classWeights: classWeights?.map(Double.init),
                selectionMetric: selectionMetric.rawValue, trainingPrecision: trainer.model.precision,
                syntheticMix: expectation.syntheticMix)
            let outcome: CheckpointSaveOutcome
            do {
                outcome = try directory.save(step: step, validationMetric: validationMetric) { url in
                    try CheckpointWriter.write(to: url, model: trainer.model, optimizer: trainer.optimizer, metadata: metadata)
                }
            } catch {
                throw TrainingRunError.checkpointNotWritten(step: step, reason: "\(error)")
            }
            output("dist-train: checkpoint \(outcome.file.path) written (step \(step))"
                   + (outcome.becameBest ? ", now best.nc" : "")
                   + (outcome.removed.isEmpty ? "" : ", removed " + outcome.removed.map(\.lastPathComponent).joined(separator: ", ")))
            return outcome.file.path
        }
        lastSavedStep = step
        return URL(fileURLWithPath: written)
    }
}
