import DistTensor
import Foundation

/// What a training run tells its caller while it runs; the command line prints the messages and draws progress.
public struct TrainingRunEvents {
    /// Where the run stands, for progress displays.
    public struct Position: Sendable {
        public let totalSteps: Int
        public let stepsPerEpoch: Int
        /// Steps done before this process started (a resumed run).
        public let startingStep: Int
    }

    /// Lines for people: rank 0's account of the run (description, validations, checkpoints, report) and notices.
    public var message: (String) -> Void
    /// Called on rank 0 after every step.
    public var stepCompleted: (StepReport, Position) -> Void
    /// This rank's wish to stop, as its cause (e.g. "SIGTERM"), or nil; asked before every step.
    public var stopRequest: () -> String?
    /// Called on every rank after each validation with the step and the selected metric (the same on every rank);
    /// returns whether training goes on. Every rank must return the same answer (a sweep's early termination asks its
    /// coordinator here and shares the answer over the trial's ranks).
    public var validationCompleted: (_ step: Int, _ metric: Double) throws -> Bool

    public init(message: @escaping (String) -> Void = { _ in }, stepCompleted: @escaping (StepReport, Position) -> Void = { _, _ in },
                stopRequest: @escaping () -> String? = { nil },
                validationCompleted: @escaping (_ step: Int, _ metric: Double) throws -> Bool = { _, _ in true }) {
        self.message = message
        self.stepCompleted = stepCompleted
        self.stopRequest = stopRequest
        self.validationCompleted = validationCompleted
    }
}

/// One training job as this rank sees it: the dataset's splits, the network and its trainer, the checkpoints and
/// the loop state (schedule, early stopping, validation history), wired from a `TrainingRunConfiguration`.
///
/// Every decision that ends or changes the loop is taken identically on every rank: the stop wish travels with
/// each step's loss all-reduce, and validation sends rank 0's selected metric (`ValidationMetric`) to every rank
/// before the scheduler and early stopping see it.
public final class TrainingRun {
    private let configuration: TrainingRunConfiguration
    private let world: ProcessGroup
    private let events: TrainingRunEvents
    private let dataset: ECGDataset
    /// What the dataset is labelled for, the class weights of its loss and the metric that selects.
    public let task: ECGTask
    public let classWeights: [Float]?
    public let selection: ValidationMetric
    public let model: any ECGModel
    public let trainer: DataParallelTrainer
    private let validationSource: ECGDatasetSamples?
    /// The training samples with simulated records mixed in, when `--synthetic-fraction` asks for them.
    public let syntheticSource: SyntheticMixSource?
    private let checkpoints: TrainingCheckpoints
    /// Steps of the whole run (epochs × steps per epoch, or `maxSteps` if fewer).
    public let totalSteps: Int
    private var state: TrainingLoopState
    /// Rank 0's record of every validation (the other ranks keep an empty one).
    public private(set) var history = TrainingHistory()
    /// Whether `resume()` has run.
    private var resumed = false
    /// Rank 0's digest of the parameters as training left them (before the report loads best.nc), once `run` returns.
    public private(set) var finalParameterDigest: ParameterDigest?
    /// Rank 0's TensorBoard event file, when the configuration asks for one.
    private var tensorBoard: TensorBoardLog?

    /// Validates the configuration, resolves the dataset on every rank, builds the network (the dataset task's leads
    /// and classes), its loss (the task's, with the class weights) and trainer, and the loop state. Nothing is
    /// trained or resumed yet.
    public init(_ configuration: TrainingRunConfiguration, world: ProcessGroup, events: TrainingRunEvents = TrainingRunEvents()) throws {
        try configuration.validate()
        self.configuration = configuration
        self.world = world
        self.events = events
        guard configuration.batchSize >= world.size else {
            throw TrainingRunError.batchSmallerThanWorld(batchSize: configuration.batchSize, ranks: world.size)
        }
        // Before the dataset or the network exist: the network as configured (its input leads and classes are the
        // task's later, which changes the estimate by a few kilobytes).
        let samplesPerRank = (configuration.batchSize + world.size - 1) / world.size
        try MemoryEstimate(model: configuration.model, samples: samplesPerRank, length: configuration.windowLength,
                           optimizerBlocks: configuration.optimizer == .sgd ? 1 : 2, training: true)
            .require(fitting: MemoryEstimate.budget(ranksOnNode: world.localSize), ranksOnNode: world.localSize,
                     batch: "\(samplesPerRank) samples per rank x \(configuration.model.leads) leads x "
                        + "\(configuration.windowLength) samples (--batch-size \(configuration.batchSize), --length)")
        dataset = try configuration.data.resolve(over: world, options: configuration.preparation, output: events.message)
        let dataset = self.dataset
        task = dataset.task
        let trainRecords = dataset.indices(in: .train)
        selection = configuration.selectMetric ?? .standard(for: task)
        try Self.requireTrainable(dataset, selection: selection, trainRecords: trainRecords)
        do {
            classWeights = try configuration.classWeighting.weights(for: task, labels: trainRecords.map { dataset.records[$0].labels })
        } catch {
            throw TrainingRunError.invalidSetting("--class-weights: \(error)")
        }
        let architecture = configuration.model.sized(leads: task.leads.count, classes: task.classes.count)
        let policy = configuration.augmentation
        let augmenter = policy == .none ? nil : try ECGAugmenter(policy: policy, samplingFrequency: dataset.samplingFrequency)
        let realSource = try ECGDatasetSamples(dataset: dataset, recordIndices: trainRecords,
                                               windowLength: configuration.windowLength,
                                               mode: .training(seed: configuration.seed, augmenter: augmenter),
                                               normalization: configuration.normalization)
        syntheticSource = configuration.syntheticFraction > 0
            ? try SyntheticMixSource(real: realSource, fraction: configuration.syntheticFraction,
                                     classNames: configuration.syntheticClasses)
            : nil
        let trainSource: SampleSource = syntheticSource ?? realSource
        let validationRecords = dataset.indices(in: .validation)
        if validationRecords.isEmpty && world.rank == 0 {
            events.message("dist-train: warning: \(dataset.url.path) has no validation records: training runs without "
                           + "validation, tuned thresholds or best.nc, and the report scores the final network (prepare the "
                           + "data with a validation share, e.g. --split-fractions 0.8,0.1,0.1)")
        }
        validationSource = validationRecords.isEmpty ? nil
            : try ECGDatasetSamples(dataset: dataset, recordIndices: validationRecords, windowLength: configuration.windowLength,
                                    mode: .evaluation, normalization: configuration.normalization)
        let sampler: EpochSampler
        do {
            sampler = try EpochSampler(recordCount: trainSource.count, worldSize: world.size,
                                       globalBatchSize: configuration.batchSize, seed: configuration.seed)
        } catch {
            throw TrainingRunError.unusableTrainingSplit(dataset: dataset.url.path, reason: "\(error)")
        }
        model = architecture.makeModel(seed: configuration.seed)
        model.precision = configuration.precision
        if configuration.synchronizedBatchNormalization { model.synchronizeBatchNormalization(over: world) }
        trainer = DataParallelTrainer(
            model: model,
            optimizer: configuration.optimizer.make(parameterCount: model.parameters.parameterCount,
                                                    settings: OptimizerSettings(learningRate: configuration.learningRate,
                                                                                weightDecay: configuration.weightDecay)),
            source: trainSource, sampler: sampler, group: world, bucketSize: configuration.bucketElements,
            seed: configuration.seed)
        trainer.loss = task.loss(classWeights: classWeights)
        try trainer.broadcastInitialState()
        totalSteps = min(configuration.maxSteps ?? Int.max, configuration.epochs * sampler.stepsPerEpoch)
        state = TrainingLoopState(scheduler: try configuration.schedule.scheduler(learningRate: Double(configuration.learningRate),
                                                                                  totalSteps: totalSteps),
                                  earlyStopping: try configuration.schedule.earlyStopper())
        checkpoints = TrainingCheckpoints(
            options: configuration.checkpoints, world: world, trainer: trainer,
            expectation: CheckpointExpectation(configuration: architecture, classCodes: dataset.classCodes,
                                               optimizerKind: configuration.optimizer, seed: configuration.seed,
                                               globalBatchSize: configuration.batchSize, stepsPerEpoch: sampler.stepsPerEpoch,
                                               syntheticMix: syntheticSource?.mix),
            synchronizedBatchNormalization: configuration.synchronizedBatchNormalization,
            runConfigurationJSON: Self.runConfigurationJSON(commandLine: configuration.commandLine, worldSize: world.size),
            windowLength: configuration.windowLength, samplingFrequency: dataset.samplingFrequency,
            normalization: configuration.normalization, datasetPreparation: dataset.preparationOptions,
            task: task, classWeights: classWeights, selectionMetric: selection, output: events.message)
    }

    /// Throws unless the dataset's task can be trained with `selection` deciding: the one place that decides which
    /// datasets a run can train on. The metric must be one the task computes (a multi-label class list of one's own
    /// has no Challenge metric); a single-label task needs one class per training record.
    static func requireTrainable(_ dataset: ECGDataset, selection: ValidationMetric, trainRecords: [Int]) throws(TrainingRunError) {
        let task = dataset.task
        guard selection.applies(to: task) else {
            let choices = ValidationMetric.allCases.filter { $0.applies(to: task) }.map(\.rawValue).joined(separator: ", ")
            throw .invalidSetting("--select-metric \(selection.rawValue) does not apply to a \(task.labelKind) task with "
                + "classes \(task.classCodes.prefix(8).joined(separator: ", ")); use one of \(choices)")
        }
        if task.labelKind == .singleLabel,
           let record = trainRecords.lazy.map({ dataset.records[$0] }).first(where: { $0.labels.reduce(0, +) != 1 }) {
            throw .unusableTask(dataset: dataset.url.path, reason: "training record \(record.id) of a single-label task has no "
                + "class; prepare the training data with labels for every record (e.g. a REFERENCE.csv line each)")
        }
    }

    /// Resumes if asked, trains to the end, a stop request or early stopping, and reports on the test split.
    public func run() throws -> TrainingOutcome {
        let log = try MetricsLog(directory: configuration.logDirectory, rank: world.rank)
        let started = Date()
        if world.rank == 0, let directory = configuration.tensorBoardDirectory { tensorBoard = try TensorBoardLog(directory: directory) }
        try resume()
        let startingStep = trainer.globalStep
        if world.rank == 0 {
            events.message(description)
            if let syntheticSource { events.message("dist-train: " + syntheticSource.summary) }
            if startingStep >= totalSteps {
                events.message("dist-train: the checkpoints already hold all \(totalSteps) steps of this run; nothing to "
                               + "train, only the report (raise --epochs to train further, or --resume none to start again)")
            }
        }
        let position = TrainingRunEvents.Position(totalSteps: totalSteps, stepsPerEpoch: trainer.sampler.stepsPerEpoch,
                                                  startingStep: startingStep)
        var outcome = TrainingOutcome.completed
        var stoppedEarly = false
        if let pending = state.pendingValidation, let validationSource {
            if world.rank == 0 {
                events.message("dist-train: validating after step \(pending.step) first: the stop request came before its validation")
            }
            state.pendingValidation = nil
            let metric = try validate(validationSource, epoch: pending.epoch, step: pending.step, learningRate: pending.learningRate)
            try save(validationMetric: metric, replacing: true)
            stoppedEarly = try stopsEarly() || !events.validationCompleted(pending.step, metric)
        }
        while !stoppedEarly && trainer.globalStep < totalSteps {
            trainer.optimizer.settings.learningRate = state.scheduler.learningRateFloat
            let report = try trainer.step(stop: events.stopRequest() != nil)
            state.scheduler.stepCompleted()
            state.lossSinceValidation += report.loss
            state.stepsSinceValidation += 1
            let learningRate = Double(trainer.optimizer.settings.learningRate)
            try log.record(report, rank: world.rank, learningRate: learningRate)
            try tensorBoard?.step(report, learningRate: learningRate)
            if world.rank == 0 { events.stepCompleted(report, position) }
            let epochEnded = trainer.stepInEpoch == 0 || trainer.globalStep == totalSteps
            let validateEvery = configuration.schedule.validateEvery
            let validationDue = validationSource != nil
                && (epochEnded || (validateEvery > 0 && trainer.globalStep % validateEvery == 0))
            if report.stopRequested && trainer.globalStep < totalSteps {
                // Validation is put off to the resumed run: a preempted job has seconds, not minutes, to save its state.
                if validationDue {
                    state.pendingValidation = .init(epoch: report.epoch + 1, step: report.step,
                                                    learningRate: Double(trainer.optimizer.settings.learningRate))
                }
                try save(validationMetric: nil)
                if world.rank == 0 {
                    let cause = events.stopRequest().map { " by \($0)" } ?? " on another rank"
                    events.message("dist-train: stop requested\(cause); all ranks stopped after step \(report.step); "
                                   + "exiting with status \(TrainingOutcome.resumableExitStatus) (resumable)")
                }
                outcome = .stopped
                break
            }
            var metric: Double?
            if validationDue, let validationSource {
                metric = try validate(validationSource, epoch: report.epoch + 1, step: report.step,
                                      learningRate: Double(trainer.optimizer.settings.learningRate))
            }
            if epochEnded || metric != nil || checkpoints.isPeriodic(step: trainer.globalStep) {
                try save(validationMetric: metric)
            }
            if let metric, try stopsEarly() || !events.validationCompleted(report.step, metric) { break }
        }
        if world.rank == 0 {
            if let parametersOut = configuration.parametersOut { try Self.writeParameters(model.parameters, to: parametersOut) }
            events.message("dist-train: metrics logs in \(configuration.logDirectory.path)/rank-<r>.jsonl")
            if let tensorBoard {
                try tensorBoard.hyperParameters(hyperParameters, completed: outcome == .completed, startTime: started)
                events.message("dist-train: TensorBoard events in \(tensorBoard.url.path)")
            }
            finalParameterDigest = ParameterDigest(of: model.parameters)
            events.message("dist-train: step \(trainer.globalStep), parameter digest \(finalParameterDigest!)")
        }
        if outcome == .completed {
            try TrainingReport(model: model, dataset: dataset, selection: selection, windowLength: configuration.windowLength,
                               normalization: configuration.normalization, world: world,
                               batchSize: max(1, configuration.batchSize / world.size), checkpoints: checkpoints.directory,
                               history: history, fallbackThresholds: checkpoints.thresholds, output: events.message).write()
        }
        return outcome
    }

    /// Whether early stopping ends the run after the validation just made (rank 0 says so).
    private func stopsEarly() -> Bool {
        guard let stopper = state.earlyStopping, stopper.shouldStop else { return false }
        if world.rank == 0 {
            events.message("dist-train: early stopping: no better validation \(selection) in \(stopper.patience) "
                           + "validations (best \(ValidationRound.format(stopper.bestMetric ?? .nan)))")
        }
        return true
    }

    /// The learning-rate scheduler and early stopping as they stand (for tests and reports).
    public var scheduler: LearningRateScheduler { state.scheduler }
    public var earlyStopping: EarlyStopping? { state.earlyStopping }

    /// One line about the job, printed by rank 0 before the first step.
    private var description: String {
        let splits = DatasetSplit.allCases.map { "\(dataset.indices(in: $0).count) \($0)" }.joined(separator: ", ")
        return "dist-train: \(model.architecture.name) (\(model.parameters.parameterCount) parameters) on "
            + "\(dataset.url.lastPathComponent) (\(splits) records), \(world.size) rank(s) x \(configuration.threads) thread(s) "
            + "(\(world.placement)), "
            + "global batch \(configuration.batchSize) x \(model.input.leads) x \(configuration.windowLength), "
            + "\(trainer.sampler.stepsPerEpoch) steps per epoch, \(totalSteps) steps, \(configuration.optimizer.rawValue) with "
            + "\(configuration.schedule.kind.rawValue) schedule, " + (configuration.synchronizedBatchNormalization ? "sync BN" : "local BN")
    }

    /// Restores the loop state, history and thresholds of the checkpoint the settings pick, if any, once: `run()` calls
    /// it unless the caller already has (a sweep looks at a resumed trial's history before training on).
    public func resume() throws {
        guard !resumed else { return }
        resumed = true
        guard let metadata = try checkpoints.resume() else { return }
        let source = "the checkpoint of step \(metadata.globalStep)"
        if let restored = try TrainingLoopState.decode(metadata.trainingStateJSON, checkpoint: source) {
            if world.rank == 0 && restored.scheduler.schedule != state.scheduler.schedule {
                events.message("dist-train: notice: continuing the checkpoint's learning-rate schedule "
                               + "\(restored.scheduler.schedule), not this command's \(state.scheduler.schedule); use "
                               + "--resume none to start a new schedule")
            }
            state = restored
        }
        if world.rank == 0 && metadata.metricHistoryJSON != "[]" {
            history = try TrainingHistory(jsonData: Data(metadata.metricHistoryJSON.utf8), source: source)
        }
    }

    /// Scores the validation split; rank 0 records it and keeps the tuned thresholds; every rank feeds the selected
    /// metric to the scheduler and early stopping. Returns the selected metric.
    private func validate(_ source: ECGDatasetSamples, epoch: Int, step: Int, learningRate: Double) throws -> Double {
        let round = try ValidationRound.run(model: model, source: source, group: world,
                                            batchSize: max(1, configuration.batchSize / world.size), task: task,
                                            selection: selection)
        let meanLoss = state.lossSinceValidation / Double(max(1, state.stepsSinceValidation))
        if let scores = round.scores {
            events.message(round.summary(epoch: epoch, step: step, records: source.count))
            history.append(TrainingHistoryEntry(
                epoch: epoch, globalStep: step, meanTrainingLoss: meanLoss, learningRate: learningRate, scores: scores,
                tunedChallengeMetric: round.tuning?.tunedMetric, selectionMetric: selection == .tunedChallenge ? nil : selection,
                selectedMetric: selection == .tunedChallenge ? nil : round.metric))
            if let tuning = round.tuning { checkpoints.thresholds = tuning.thresholds.values }
        }
        if let singleLabel = round.singleLabel {
            events.message(round.summary(epoch: epoch, step: step, records: source.count))
            history.append(TrainingHistoryEntry(epoch: epoch, globalStep: step, meanTrainingLoss: meanLoss, learningRate: learningRate,
                                                singleLabel: singleLabel, selectionMetric: selection, selectedMetric: round.metric))
        }
        if let tensorBoard, let entry = history.entries.last, entry.globalStep == step { try tensorBoard.validation(entry) }
        state.lossSinceValidation = 0
        state.stepsSinceValidation = 0
        state.scheduler.validationCompleted(metric: round.metric)
        state.earlyStopping?.record(metric: round.metric)
        return round.metric
    }

    /// Hands the loop state and history to the checkpoints and writes one (`replacing` the step's file if one was
    /// written already).
    private func save(validationMetric: Double?, replacing: Bool = false) throws {
        checkpoints.trainingStateJSON = try state.json()
        if world.rank == 0 { checkpoints.metricHistoryJSON = String(decoding: try history.jsonData(), as: UTF8.self) }
        try checkpoints.save(validationMetric: validationMetric, replacing: replacing)
    }

    /// The run's hyper-parameters as TensorBoard's HParams plugin shows them.
    private var hyperParameters: [(name: String, value: TensorBoardLog.HyperParameter)] {
        [("model", .string(model.architecture.name)), ("model_configuration", .string((try? model.architecture.json()) ?? "")),
         ("optimizer", .string(configuration.optimizer.rawValue)), ("learning_rate", .number(Double(configuration.learningRate))),
         ("weight_decay", .number(Double(configuration.weightDecay))), ("global_batch_size", .number(Double(configuration.batchSize))),
         ("epochs", .number(Double(configuration.epochs))), ("schedule", .string(configuration.schedule.kind.rawValue)),
         ("window_length", .number(Double(configuration.windowLength))), ("normalization", .string(configuration.normalization.rawValue)),
         ("seed", .number(Double(configuration.seed))), ("ranks", .number(Double(world.size))),
         ("sync_bn", .bool(configuration.synchronizedBatchNormalization)), ("precision", .string(configuration.precision.rawValue)),
         ("selection_metric", .string(selection.rawValue)), ("synthetic_fraction", .number(configuration.syntheticFraction))]
    }

    /// The command line of this run as JSON, stored in its checkpoints.
    private static func runConfigurationJSON(commandLine: [String], worldSize: Int) -> String {
        let object: [String: Any] = ["arguments": commandLine, "world_size": worldSize, "version": DistTrainVersion.current]
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
