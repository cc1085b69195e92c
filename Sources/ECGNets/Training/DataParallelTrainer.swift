import DistTensor
import Dispatch

/// What one training step did, as every rank agrees on it.
public struct StepReport: Sendable {
    /// Step number counted from the start of training (1 for the first).
    public let step: Int
    public let epoch: Int
    /// Mean loss over the whole global batch.
    public let loss: Double
    /// Samples in the global batch, and in this rank's part of it.
    public let globalSamples: Int
    public let localSamples: Int
    /// Seconds of this rank's loading, forward, backward and optimizer work.
    public let computeSeconds: Double
    /// Seconds this rank waited for gradient all-reduces that backward did not hide.
    public let allReduceWaitSeconds: Double
    /// True when any rank asked to stop: every rank stops after this step.
    public let stopRequested: Bool
}

/// A step made the loss, the gradients or the model's state non-finite (on at least one rank; every rank learns it
/// from the step's all-reduce and throws this at the same step). The step's state is not saved: the newest
/// checkpoint on disk is the last good one.
public struct TrainingDiverged: Error, CustomStringConvertible, Sendable {
    public let step: Int
    public let epoch: Int
    public let ranks: Int
    /// How many ranks found a non-finite loss, gradient, or parameter/buffer/optimizer state.
    public let lossRanks: Int
    public let gradientRanks: Int
    public let stateRanks: Int

    public var description: String {
        let findings = [(lossRanks, "loss"), (gradientRanks, "gradients"), (stateRanks, "parameters or optimizer state")]
            .filter { $0.0 > 0 }.map { "the \($0.1) on \($0.0) of \(ranks) rank(s)" }
        return "training diverged at step \(step) (epoch \(epoch)): non-finite values (NaN or infinity) in "
            + findings.joined(separator: ", ") + ". All ranks stopped; no checkpoint of this step was written, the "
            + "newest one in --checkpoint-dir is the last good state. Lower --lr (or raise --warmup-steps) and resume."
    }
}

/// Data-parallel training: each rank computes gradients on its part of every global batch, the
/// gradients are summed over ranks in buckets overlapping backward, and every rank applies the same
/// optimizer step, so parameters stay identical everywhere.
///
/// Each rank's loss term is `Σ (its samples' losses) / (the global batch's weight)`, so the summed gradient is
/// exactly the gradient of the global batch's mean loss for any world size. The weight is the number of samples,
/// or, for softmax cross-entropy with class weights, the sum of the samples' class weights (PyTorch's weighted
/// mean), learned with one extra all-reduce of a number before backward.
public final class DataParallelTrainer {
    public let model: any ECGModel
    public let optimizer: Optimizer
    public let source: SampleSource
    public let sampler: EpochSampler
    public let group: ProcessGroup
    public let seed: UInt64
    /// The loss the task trains with (binary cross-entropy without weights by default).
    public var loss: ClassificationLoss = .binaryCrossEntropy(positiveWeight: nil)
    public private(set) var epoch = 0
    public private(set) var stepInEpoch = 0
    private let reducer: GradientAllReduce
    private var permutation: [Int]

    public init(model: any ECGModel, optimizer: Optimizer, source: SampleSource, sampler: EpochSampler, group: ProcessGroup,
                bucketSize: Int = 4_000_000, seed: UInt64) {
        precondition(source.leads == model.input.leads && source.classes == model.classes,
                     "sample source and model disagree on leads or classes")
        precondition(sampler.worldSize == group.size && sampler.recordCount == source.count, "sampler does not fit the job")
        self.model = model
        self.optimizer = optimizer
        self.source = source
        self.sampler = sampler
        self.group = group
        self.seed = seed
        reducer = GradientAllReduce(group: group, store: model.parameters, bucketSize: bucketSize)
        permutation = sampler.permutation(epoch: 0)
    }

    /// Steps completed so far (the optimizer's count).
    public var globalStep: Int { optimizer.stepCount }

    /// Continues where a checkpoint left off: sets the epoch and the steps done in it, so the next step uses the
    /// records the uninterrupted run would have used. The caller restores parameters, buffers and optimizer state
    /// (whose step count keys the dropout masks) first.
    public func resume(epoch: Int, stepInEpoch: Int) throws {
        guard epoch >= 0, (0..<sampler.stepsPerEpoch).contains(stepInEpoch) else {
            throw EpochSampler.Error(description: "cannot resume at epoch \(epoch), step \(stepInEpoch) of an epoch of "
                                     + "\(sampler.stepsPerEpoch) steps")
        }
        self.epoch = epoch
        self.stepInEpoch = stepInEpoch
        permutation = sampler.permutation(epoch: epoch)
    }

    /// Makes every rank start from rank 0's parameters and buffers.
    public func broadcastInitialState() throws {
        try group.broadcast(model.parameters.values, root: 0)
        try group.broadcast(model.parameters.buffers, root: 0)
    }

    /// Runs one step on this rank's part of the next global batch. `stop` is this rank's wish to stop
    /// (a signal, a budget); the report says whether any rank had it.
    public func step(stop: Bool = false) throws -> StepReport {
        let started = DispatchTime.now().uptimeNanoseconds
        let positions = sampler.rankRange(step: stepInEpoch, rank: group.rank)
        let globalSamples = sampler.stepRange(stepInEpoch).count
        let (signals, targets) = try loadBatch(permutation[positions])
        let logits = model.forward(signals, training: true,
                                   dropoutKey: RandomStream(seed: seed, 0xD0, UInt64(globalStep), UInt64(group.rank)).state)
        let localLoss: Double
        let gradient: Tensor
        if case let .binaryCrossEntropy(positiveWeight) = loss {
            let (localMean, meanGradient) = BCEWithLogits.lossAndGradient(logits: logits, targets: targets,
                                                                          positiveWeight: positiveWeight)
            let share = Float(positions.count) / Float(globalSamples)
            for i in 0..<meanGradient.count { meanGradient.base[i] *= share }
            (localLoss, gradient) = (localMean * Double(positions.count) / Double(globalSamples), meanGradient)
        } else {
            var weight = [(0..<positions.count).reduce(0.0) { sum, n in
                sum + loss.sampleWeight(target: UnsafeBufferPointer(start: targets.base + n * source.classes, count: source.classes))
            }]
            try weight.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
            (localLoss, gradient) = loss.lossAndGradient(logits: logits, targets: targets, normalizer: weight[0])
        }
        model.parameters.zeroGradients()
        reducer.begin()
        model.backward(gradient) { [reducer] offset in reducer.gradientsReady(from: offset) }
        try reducer.finish()
        optimizer.step(model.parameters)
        // One tiny all-reduce per step carries the loss, the stop wishes and the non-finite findings of every rank.
        var shared: [Double] = [localLoss, stop ? 1 : 0, localLoss.isFinite ? 0 : 1,
                                Self.allFinite(model.parameters.gradients) ? 0 : 1, holdsFiniteState ? 0 : 1]
        try shared.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        if shared[2] + shared[3] + shared[4] > 0 {
            throw TrainingDiverged(step: globalStep, epoch: epoch + 1, ranks: group.size, lossRanks: Int(shared[2]),
                                   gradientRanks: Int(shared[3]), stateRanks: Int(shared[4]))
        }
        let report = StepReport(
            step: globalStep, epoch: epoch, loss: shared[0], globalSamples: globalSamples,
            localSamples: positions.count,
            computeSeconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 - reducer.waitSeconds,
            allReduceWaitSeconds: reducer.waitSeconds, stopRequested: shared[1] > 0)
        stepInEpoch += 1
        if stepInEpoch == sampler.stepsPerEpoch {
            stepInEpoch = 0
            epoch += 1
            permutation = sampler.permutation(epoch: epoch)
        }
        return report
    }

    /// Whether parameters, buffers and optimizer state are all finite (after the optimizer's step).
    private var holdsFiniteState: Bool {
        Self.allFinite(model.parameters.values) && Self.allFinite(model.parameters.buffers)
            && optimizer.stateBlocks.allSatisfy { Self.allFinite($0.values) }
    }

    /// Whether no value is NaN or infinite: `x * 0` is 0 for every finite `x` and NaN otherwise, so one
    /// vectorised sum answers for the whole block.
    private static func allFinite(_ values: UnsafeMutableBufferPointer<Float>) -> Bool {
        guard let base = values.baseAddress else { return true }
        let raw = UnsafeRawPointer(base)
        let wide = values.count / 8
        var lanes = SIMD8<Float>()
        for i in 0..<wide { lanes += raw.loadUnaligned(fromByteOffset: i * 32, as: SIMD8<Float>.self) * 0 }
        var sum = lanes.sum()
        for i in (wide * 8)..<values.count { sum += values[i] * 0 }
        return sum == 0
    }

    /// Record indices this rank uses in the current step (for tests and logs).
    public var currentRecords: [Int] { Array(permutation[sampler.rankRange(step: stepInEpoch, rank: group.rank)]) }

    private func loadBatch(_ records: ArraySlice<Int>) throws -> (Tensor, Tensor) {
        let (leads, length, classes) = (source.leads, source.length, source.classes)
        let signals = Tensor(zeros: [records.count, leads, length])
        let targets = Tensor(zeros: [records.count, classes])
        for (n, record) in records.enumerated() {
            try source.fill(record, epoch: epoch, signal: signals.base + n * leads * length, target: targets.base + n * classes)
        }
        return (signals, targets)
    }
}
