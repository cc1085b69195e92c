import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// One training job as this rank sees it: the dataset's splits, the network and its trainer, the checkpoints and
/// the loop state (schedule, early stopping, validation history), wired from the options of `train`.
///
/// Every decision that ends or changes the loop is taken identically on every rank: the stop wish travels with
/// each step's loss all-reduce, and validation broadcasts rank 0's tuned Challenge metric before the scheduler
/// and early stopping see it.
final class TrainingRun {
    private let options: TrainCommand
    private let world: Communicator
    private let threads: Int
    private let dataset: ECGDataset
    private let model: ResNet1D
    private let trainer: DataParallelTrainer
    private let validationSource: ECGDatasetSamples?
    private let checkpoints: TrainingCheckpoints
    private let totalSteps: Int
    private var state: TrainingLoopState
    /// Rank 0's record of every validation (the other ranks keep an empty one).
    private var history = TrainingHistory()

    init(_ options: TrainCommand, world: Communicator) throws {
        self.options = options
        self.world = world
        threads = options.threading.apply(ranksOnNode: world.localSize)
        guard options.batchSize >= world.size else {
            throw ValidationError("--batch-size \(options.batchSize) is smaller than the \(world.size) ranks: every rank needs a sample per step.")
        }
        let configuration = try options.network.configuration()
        dataset = try options.data.resolve(over: world)
        guard dataset.leadCount == configuration.leads, dataset.classCodes == ChallengeClasses.challenge2020.codes else {
            throw ValidationError("\(dataset.url.path) has \(dataset.leadCount) leads and \(dataset.classCodes.count) classes; "
                                  + "the network takes \(configuration.leads) leads and the 27 Challenge 2020 classes.")
        }
        let trainRecords = dataset.indices(in: .train)
        let policy = options.augmentation.policy
        let augmenter = policy == .none ? nil : try ECGAugmenter(policy: policy, samplingFrequency: dataset.samplingFrequency)
        let trainSource = try ECGDatasetSamples(dataset: dataset, recordIndices: trainRecords, windowLength: options.length,
                                                mode: .training(seed: options.seed, augmenter: augmenter),
                                                normalization: options.normalization)
        let validationRecords = dataset.indices(in: .validation)
        validationSource = validationRecords.isEmpty ? nil
            : try ECGDatasetSamples(dataset: dataset, recordIndices: validationRecords, windowLength: options.length, mode: .evaluation,
                                      normalization: options.normalization)
        let sampler: EpochSampler
        do {
            sampler = try EpochSampler(recordCount: trainRecords.count, worldSize: world.size, globalBatchSize: options.batchSize,
                                       seed: options.seed)
        } catch {
            throw ValidationError("\(dataset.url.path): \(error)")
        }
        model = ResNet1D(configuration, seed: options.seed)
        model.precision = options.arithmetic.resolved()
        if options.syncBN { model.synchronizeBatchNormalization(over: world) }
        trainer = DataParallelTrainer(
            model: model,
            optimizer: options.optimizer.make(parameterCount: model.parameters.parameterCount,
                                              settings: OptimizerSettings(learningRate: options.learningRate,
                                                                          weightDecay: options.weightDecay)),
            source: trainSource, sampler: sampler, group: world,
            bucketSize: max(1, Int(options.bucketMiB * 1_048_576) / MemoryLayout<Float>.stride), seed: options.seed)
        try trainer.broadcastInitialState()
        totalSteps = min(options.maxSteps ?? Int.max, options.epochs * sampler.stepsPerEpoch)
        state = TrainingLoopState(scheduler: try options.schedule.scheduler(learningRate: Double(options.learningRate),
                                                                            totalSteps: totalSteps),
                                  earlyStopping: try options.schedule.earlyStopper())
        checkpoints = TrainingCheckpoints(
            options: options.checkpointing, world: world, trainer: trainer,
            expectation: CheckpointExpectation(configuration: configuration, classCodes: dataset.classCodes,
                                               optimizerKind: options.optimizer, seed: options.seed,
                                               globalBatchSize: options.batchSize, stepsPerEpoch: sampler.stepsPerEpoch),
            synchronizedBatchNormalization: options.syncBN, runConfigurationJSON: Self.runConfigurationJSON(worldSize: world.size),
            windowLength: options.length, samplingFrequency: dataset.samplingFrequency, normalization: options.normalization,
            datasetPreparation: dataset.preparationOptions)
    }

    /// Resumes if asked, trains to the end, a stop request or early stopping, and reports on the test split.
    func run() throws -> TrainingOutcome {
        // Installed before resuming, so a preemption that arrives while the checkpoint loads stops after the first step.
        StopSignals.install()
        try resume()
        let startingStep = trainer.globalStep
        let log = try MetricsLog(directory: URL(fileURLWithPath: options.logDir), rank: world.rank)
        if world.rank == 0 {
            print(description)
            if startingStep >= totalSteps {
                print("dist-train: the checkpoints already hold all \(totalSteps) steps of this run; nothing to train, only the "
                      + "report (raise --epochs to train further, or --resume none to start again)")
            }
        }
        let reporter = ProgressReporter(totalSteps: totalSteps, stepsPerEpoch: trainer.sampler.stepsPerEpoch,
                                        startingStep: startingStep, style: options.progress)
        var outcome = TrainingOutcome.completed
        while trainer.globalStep < totalSteps {
            trainer.optimizer.settings.learningRate = state.scheduler.learningRateFloat
            let report = try trainer.step(stop: StopSignals.pending != nil)
            state.scheduler.stepCompleted()
            state.lossSinceValidation += report.loss
            state.stepsSinceValidation += 1
            try log.record(report, rank: world.rank)
            if world.rank == 0 { reporter.show(report) }
            if report.stopRequested && trainer.globalStep < totalSteps {
                // Validation is skipped: a preempted job has seconds, not minutes, to save its state.
                try save(validationMetric: nil)
                if world.rank == 0 {
                    let cause = StopSignals.pending.map { " by \(StopSignals.name($0))" } ?? " on another rank"
                    print("dist-train: stop requested\(cause); all ranks stopped after step \(report.step); exiting with "
                          + "status \(TrainingOutcome.resumableExitStatus) (resumable)")
                }
                outcome = .stopped
                break
            }
            let epochEnded = trainer.stepInEpoch == 0 || trainer.globalStep == totalSteps
            let validationDue = epochEnded || (options.schedule.validateEvery > 0 && trainer.globalStep % options.schedule.validateEvery == 0)
            var metric: Double?
            if validationDue, let validationSource {
                metric = try validate(validationSource, epoch: report.epoch + 1, step: report.step,
                                      learningRate: Double(trainer.optimizer.settings.learningRate))
            }
            if epochEnded || metric != nil || checkpoints.isPeriodic(step: trainer.globalStep) {
                try save(validationMetric: metric)
            }
            if let stopper = state.earlyStopping, metric != nil, stopper.shouldStop {
                if world.rank == 0 {
                    print("dist-train: early stopping: no better validation Challenge metric in \(stopper.patience) validations "
                          + "(best \(ValidationRound.format(stopper.bestMetric ?? .nan)))")
                }
                break
            }
        }
        if world.rank == 0 {
            if let parametersOut = options.parametersOut { try Self.writeParameters(model.parameters, to: URL(fileURLWithPath: parametersOut)) }
            print("dist-train: metrics logs in \(URL(fileURLWithPath: options.logDir).path)/rank-<r>.jsonl")
            print("dist-train: step \(trainer.globalStep), parameter digest \(ParameterDigest(of: model.parameters))")
            fflush(nil)
        }
        if outcome == .completed {
            try TrainingReport(model: model, dataset: dataset, windowLength: options.length, normalization: options.normalization, world: world,
                               batchSize: max(1, options.batchSize / world.size), checkpoints: checkpoints.directory,
                               history: history, fallbackThresholds: checkpoints.thresholds).write()
        }
        return outcome
    }

    /// One line about the job, printed by rank 0 before the first step.
    private var description: String {
        let configuration = model.configuration
        let splits = DatasetSplit.allCases.map { "\(dataset.indices(in: $0).count) \($0)" }.joined(separator: ", ")
        return "dist-train: \(options.network.model) (\(model.parameters.parameterCount) parameters) on \(dataset.url.lastPathComponent) "
            + "(\(splits) records), \(world.size) rank(s) x \(threads) thread(s), global batch \(options.batchSize) x "
            + "\(configuration.leads) x \(options.length), \(trainer.sampler.stepsPerEpoch) steps per epoch, \(totalSteps) steps, "
            + "\(options.optimizer.rawValue) with \(options.schedule.lrSchedule.rawValue) schedule, "
            + (options.syncBN ? "sync BN" : "local BN")
    }

    /// Restores the loop state, history and thresholds of the checkpoint `--resume` picks, if any.
    private func resume() throws {
        guard let metadata = try checkpoints.resume() else { return }
        let source = "the checkpoint of step \(metadata.globalStep)"
        if let restored = try TrainingLoopState.decode(metadata.trainingStateJSON, checkpoint: source) {
            if world.rank == 0 && restored.scheduler.schedule != state.scheduler.schedule {
                print("dist-train: notice: continuing the checkpoint's learning-rate schedule \(restored.scheduler.schedule), "
                      + "not this command's \(state.scheduler.schedule); use --resume none to start a new schedule")
            }
            state = restored
        }
        if world.rank == 0 && metadata.metricHistoryJSON != "[]" {
            history = try TrainingHistory(jsonData: Data(metadata.metricHistoryJSON.utf8), source: source)
        }
    }

    /// Scores the validation split; rank 0 records it and keeps the tuned thresholds; every rank feeds the tuned
    /// metric to the scheduler and early stopping. Returns the tuned metric.
    private func validate(_ source: ECGDatasetSamples, epoch: Int, step: Int, learningRate: Double) throws -> Double {
        let round = try ValidationRound.run(model: model, source: source, group: world, batchSize: max(1, options.batchSize / world.size))
        if let scores = round.scores, let tuning = round.tuning {
            print(round.summary(epoch: epoch, step: step, records: source.count))
            history.append(TrainingHistoryEntry(
                epoch: epoch, globalStep: step, meanTrainingLoss: state.lossSinceValidation / Double(max(1, state.stepsSinceValidation)),
                learningRate: learningRate, scores: scores, tunedChallengeMetric: tuning.tunedMetric))
            checkpoints.thresholds = tuning.thresholds.values
        }
        state.lossSinceValidation = 0
        state.stepsSinceValidation = 0
        state.scheduler.validationCompleted(metric: round.metric)
        state.earlyStopping?.record(metric: round.metric)
        return round.metric
    }

    /// Hands the loop state and history to the checkpoints and writes one.
    private func save(validationMetric: Double?) throws {
        checkpoints.trainingStateJSON = try state.json()
        if world.rank == 0 { checkpoints.metricHistoryJSON = String(decoding: try history.jsonData(), as: UTF8.self) }
        try checkpoints.save(validationMetric: validationMetric)
    }

    /// The command line of this run as JSON, stored in its checkpoints.
    private static func runConfigurationJSON(worldSize: Int) -> String {
        let object: [String: Any] = ["arguments": Array(CommandLine.arguments.dropFirst()), "world_size": worldSize,
                                     "version": DistTrainVersion.current]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The parameters and buffers, entry by entry in state_dict order, as raw float32.
    private static func writeParameters(_ store: ParameterStore, to url: URL) throws {
        var data = Data()
        for entry in store.layout.entries {
            data.append(contentsOf: UnsafeRawBufferPointer(store.storage(of: entry)))
        }
        try data.write(to: url, options: .atomic)
    }
}
