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
            Each rank trains on its part of every global batch; gradients are summed over ranks in buckets \
            that overlap backward, and every rank applies the same optimizer step. Rank 0 shows progress; \
            every rank appends per-step metrics to <log-dir>/rank-<r>.jsonl.

            Checkpoints: rank 0 writes <checkpoint-dir>/step-<step>.nc at the end of every epoch, every \
            --checkpoint-every steps and when stopped, keeping the newest --keep-last and best.nc (the best \
            validation Challenge metric). A new run resumes from the newest usable checkpoint there (--resume \
            auto), exactly: the same world size continues bit-identically. SIGTERM, SIGINT or SIGUSR1 on any rank \
            stops all ranks after the current step; rank 0 writes a checkpoint and every rank exits with status \
            75 (EX_TEMPFAIL: stopped early, resumable by running the same command again).

            Until the ECG data pipeline lands, training uses a synthetic, learnable 12-lead task: each of \
            the 27 classes is a tone of its own frequency on one lead, hidden in noise (a loss well below \
            0.42, the label prior's entropy, shows learning).
            """)

    @OptionGroup var network: ModelOptions

    @Option(help: "Passes over the training records.")
    var epochs = 1

    @Option(help: "Stop after this many steps, even within an epoch (default: no limit).")
    var maxSteps: Int?

    @Option(help: "Samples per global step, split evenly over the ranks.")
    var batchSize = 32

    @Option(help: "Samples per lead (5000 = 10 s at 500 Hz).")
    var length = 5000

    @Option(help: "Training records of the synthetic task.")
    var records = 1024

    @Option(help: "Validation records, scored with the Challenge metrics after every epoch (0: none).")
    var validationRecords = 256

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: OptimizerKind = .adam

    @Option(name: .customLong("lr"), help: "Learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "Weight decay (L2 for adam and sgd, decoupled for adamw).")
    var weightDecay: Float = 1e-5

    @Flag(help: "Compute BatchNorm statistics over all ranks, so results do not depend on the number of ranks.")
    var syncBN = false

    @Option(help: "Gradient all-reduce bucket size in MiB (buckets start while backward runs).")
    var bucketMiB: Double = 16

    @Option(help: "Seed of initialisation, data order and dropout.")
    var seed: UInt64 = 0

    @Option(help: "Directory for the per-rank JSON-lines metrics logs.")
    var logDir = "dist-train-logs"

    @Option(help: "After training, rank 0 writes every parameter and buffer here as raw little-endian float32, in state_dict order.")
    var parametersOut: String?

    @Option(help: "Progress display on rank 0: auto (a bar on a terminal, lines otherwise), bar or lines.")
    var progress: ProgressStyle = .auto

    @OptionGroup var checkpointing: CheckpointOptions

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1.") }
        if let maxSteps, maxSteps < 1 { throw ValidationError("--max-steps must be at least 1.") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        guard length >= 64 else { throw ValidationError("--length must be at least 64 samples.") }
        guard records >= 1 else { throw ValidationError("--records must be at least 1.") }
        guard validationRecords >= 0 else { throw ValidationError("--validation-records must not be negative.") }
        guard learningRate > 0 else { throw ValidationError("--lr must be positive.") }
        guard weightDecay >= 0 else { throw ValidationError("--weight-decay must not be negative.") }
        guard bucketMiB > 0 else { throw ValidationError("--bucket-mib must be positive.") }
    }

    func run() throws {
        let world = try Communicator.world()
        let outcome: TrainingOutcome
        do {
            outcome = try train(world)
            try world.finalize()
        } catch let error as ValidationError {
            world.abort(message: error.message)
        } catch {
            world.abort(message: "\(error)")
        }
        if case .stopped = outcome { throw ExitCode(TrainingOutcome.resumableExitStatus) }
    }

    private func train(_ world: Communicator) throws -> TrainingOutcome {
        let threads = threading.apply(ranksOnNode: world.localSize)
        guard batchSize >= world.size else {
            throw ValidationError("--batch-size \(batchSize) is smaller than the \(world.size) ranks: every rank needs a sample per step.")
        }
        let configuration = try network.configuration()
        let model = ResNet1D(configuration, seed: seed)
        if syncBN { model.synchronizeBatchNormalization(over: world) }
        let source = SyntheticRhythmTask(count: records, leads: configuration.leads, classes: configuration.classes,
                                         length: length, seed: seed)
        let sampler = try EpochSampler(recordCount: records, worldSize: world.size, globalBatchSize: batchSize, seed: seed)
        let trainer = DataParallelTrainer(
            model: model,
            optimizer: optimizer.make(parameterCount: model.parameters.parameterCount,
                                      settings: OptimizerSettings(learningRate: learningRate, weightDecay: weightDecay)),
            source: source, sampler: sampler, group: world,
            bucketSize: max(1, Int(bucketMiB * 1_048_576) / MemoryLayout<Float>.stride), seed: seed)
        try trainer.broadcastInitialState()
        let checkpoints = TrainingCheckpoints(
            options: checkpointing, world: world, trainer: trainer,
            expectation: CheckpointExpectation(configuration: configuration, classCodes: ChallengeClasses.challenge2020.codes,
                                               optimizerKind: optimizer, seed: seed, globalBatchSize: batchSize,
                                               stepsPerEpoch: sampler.stepsPerEpoch),
            synchronizedBatchNormalization: syncBN, runConfigurationJSON: runConfigurationJSON(worldSize: world.size))
        // Installed before resuming, so a preemption that arrives while the checkpoint loads stops after the first step.
        StopSignals.install()
        try checkpoints.resume()
        let log = try MetricsLog(directory: URL(fileURLWithPath: logDir), rank: world.rank)
        let totalSteps = min(maxSteps ?? Int.max, epochs * sampler.stepsPerEpoch)
        if world.rank == 0 {
            print("dist-train: \(network.model) (\(model.parameters.parameterCount) parameters) on the synthetic task, "
                  + "\(world.size) rank(s) x \(threads) thread(s), global batch \(batchSize) x \(configuration.leads) x \(length), "
                  + "\(sampler.stepsPerEpoch) steps per epoch, \(totalSteps) steps, \(optimizer.rawValue), "
                  + (syncBN ? "sync BN" : "local BN"))
        }
        let reporter = ProgressReporter(totalSteps: totalSteps, stepsPerEpoch: sampler.stepsPerEpoch, style: progress)
        var outcome = TrainingOutcome.completed
        while trainer.globalStep < totalSteps {
            let report = try trainer.step(stop: StopSignals.pending != nil)
            try log.record(report, rank: world.rank)
            if world.rank == 0 { reporter.show(report) }
            let epochEnded = trainer.stepInEpoch == 0 || trainer.globalStep == totalSteps
            if report.stopRequested && trainer.globalStep < totalSteps {
                // Validation is skipped: a preempted job has seconds, not minutes, to save its state.
                try checkpoints.save(validationMetric: nil)
                if world.rank == 0 {
                    let cause = StopSignals.pending.map { " by \(StopSignals.name($0))" } ?? " on another rank"
                    print("dist-train: stop requested\(cause); all ranks stopped after step \(report.step); exiting with "
                          + "status \(TrainingOutcome.resumableExitStatus) (resumable)")
                }
                outcome = .stopped
                break
            }
            var metric: Double?
            if epochEnded {
                metric = try validate(model, source: source, world: world, epoch: report.epoch, step: report.step)
            }
            if epochEnded || checkpoints.isPeriodic(step: trainer.globalStep) {
                try checkpoints.save(validationMetric: metric)
            }
        }
        if world.rank == 0 {
            if let parametersOut { try writeParameters(model.parameters, to: URL(fileURLWithPath: parametersOut)) }
            print("dist-train: metrics logs in \(URL(fileURLWithPath: logDir).path)/rank-<r>.jsonl")
            print("dist-train: step \(trainer.globalStep), parameter digest \(ParameterDigest(of: model.parameters))")
            fflush(nil)
        }
        return outcome
    }

    /// The command line of this run as JSON, stored in its checkpoints.
    private func runConfigurationJSON(worldSize: Int) -> String {
        let object: [String: Any] = ["arguments": Array(CommandLine.arguments.dropFirst()), "world_size": worldSize,
                                     "version": DistTrainVersion.current]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Scores the validation records over all ranks and prints the Challenge metrics on rank 0; returns the
    /// Challenge metric on rank 0 (nil elsewhere and without validation records).
    private func validate(_ model: ResNet1D, source: SyntheticRhythmTask, world: Communicator, epoch: Int, step: Int) throws -> Double? {
        guard validationRecords > 0 else { return nil }
        // Validation samples are indices the training records never use.
        let indices = Array(source.count..<(source.count + validationRecords))
        guard let (probabilities, targets) = try DistributedEvaluation.gather(
            model: model, source: source, indices: indices, group: world, batchSize: max(1, batchSize / world.size)) else { return nil }
        let scores = try DistributedEvaluation.challengeScores(probabilities: probabilities, targets: targets)
        func format(_ value: Double) -> String { value.isNaN ? "n/a" : String(format: "%.3f", value) }
        print("validation after epoch \(epoch + 1) (step \(step), \(validationRecords) records): "
              + "AUROC \(format(scores.auroc))  AUPRC \(format(scores.auprc))  F-measure \(format(scores.fMeasure))  "
              + "Challenge metric \(format(scores.challengeMetric))")
        return scores.challengeMetric
    }

    /// The parameters and buffers, entry by entry in state_dict order, as raw float32.
    private func writeParameters(_ store: ParameterStore, to url: URL) throws {
        var data = Data()
        for entry in store.layout.entries {
            data.append(contentsOf: UnsafeRawBufferPointer(store.storage(of: entry)))
        }
        try data.write(to: url, options: .atomic)
    }
}

extension OptimizerKind: ExpressibleByArgument {}
