import DistTensor
import Foundation

/// Training and inference throughput of a network on random input, the numbers `dist-train bench`, the README's
/// performance table and the PyTorch comparisons come from. It times the trainer's own step (loading, forward,
/// loss, backward with the bucketed all-reduce, Adam) after a warm-up step, then eval-mode forward passes, and
/// judges both against the cores' measured arithmetic peak (`MachinePeak`).
public struct ThroughputBenchmark {
    public var model: ModelConfiguration
    /// Samples per step on each rank.
    public var batchSize: Int
    /// Samples per lead.
    public var length: Int
    /// Timed steps (and timed inference passes), after one warm-up of each.
    public var steps: Int
    public var precision: ComputePrecision

    public init(model: ModelConfiguration, batchSize: Int, length: Int, steps: Int, precision: ComputePrecision) {
        (self.model, self.batchSize, self.length, self.steps, self.precision) = (model, batchSize, length, steps, precision)
    }

    /// Runs on every rank of `group` (each on its own `threads`); returns the job's result on rank 0, nil elsewhere.
    public func run(on group: some ProcessGroup, threads: Int) throws -> Result? {
        let network = model.makeModel(seed: 0)
        let globalBatch = batchSize * group.size
        let source = RandomSampleSource(count: globalBatch * (steps + 1), leads: network.input.leads, classes: network.classes,
                                        length: length, poolSize: batchSize, seed: UInt64(group.rank))
        let trainer = DataParallelTrainer(
            model: network,
            optimizer: Adam(parameterCount: network.parameters.parameterCount,
                            settings: OptimizerSettings(learningRate: 1e-3, weightDecay: 1e-5)),
            source: source,
            sampler: try EpochSampler(recordCount: source.count, worldSize: group.size, globalBatchSize: globalBatch, seed: 0),
            group: group, bucketSize: 4_194_304, seed: 0)
        network.precision = precision
        var waitSeconds = 0.0
        _ = try trainer.step()
        try group.barrier()
        let trainSeconds = try Self.time { for _ in 0..<steps { waitSeconds += try trainer.step().allReduceWaitSeconds } }
        let input = Tensor(zeros: [batchSize, network.input.leads, length])
        let targets = Tensor(zeros: [batchSize, network.classes])
        for n in 0..<batchSize {
            try source.fill(n, epoch: 0, signal: input.base + n * network.input.leads * length,
                            target: targets.base + n * network.classes)
        }
        _ = network.forward(input, training: false)
        try group.barrier()
        let inferSeconds = Self.time { for _ in 0..<steps { _ = network.forward(input, training: false) } }
        var slowest = [trainSeconds, inferSeconds, waitSeconds]
        for i in 0..<3 { slowest[i] = Double(try group.allReduceMax(Int64(slowest[i] * 1e9))) / 1e9 }
        // Every rank measures its cores at once (as they train), so shared cores count once.
        try group.barrier()
        var measured = [MachinePeak.measure(precision, threads: threads).measuredGFLOPS]
        try measured.withUnsafeMutableBufferPointer { try group.allReduceSum($0) }
        guard group.rank == 0 else { return nil }

        let samples = Double(batchSize * steps * group.size)
        let macs = Double(network.multiplyAccumulates(length: length))
        let peak = MachinePeak(measured: measured[0], cores: threads * group.size, precision: precision)
        return Result(
            model: model.name, parameters: network.parameters.parameterCount, batchSize: batchSize,
            leads: network.input.leads, classes: network.classes, length: length, steps: steps, ranks: group.size,
            threads: threads, precision: precision.rawValue, nativeBFloat16: ComputePrecision.bfloat16IsNative, peak: peak,
            trainSamplesPerSecond: samples / slowest[0], inferSamplesPerSecond: samples / slowest[1],
            trainGFLOPS: samples * 6 * macs / slowest[0] / 1e9, inferGFLOPS: samples * 2 * macs / slowest[1] / 1e9,
            stepMilliseconds: slowest[0] / Double(steps) * 1000, allReduceWaitShare: slowest[2] / slowest[0],
            peakResidentMiB: Self.peakResidentMiB())
    }

    /// What a benchmark measured; the JSON form's field names.
    public struct Result: Codable, Sendable {
        public let model: String
        public let parameters: Int
        public let batchSize: Int
        public let leads: Int
        public let classes: Int
        public let length: Int
        public let steps: Int
        public let ranks: Int
        public let threads: Int
        public let precision: String
        public let nativeBFloat16: Bool
        /// The arithmetic peak of all the job's cores in this precision.
        public let peak: MachinePeak
        public let trainSamplesPerSecond: Double
        public let inferSamplesPerSecond: Double
        /// Convolution and classifier FLOPs (2 per multiply-accumulate; training counts 3 passes).
        public let trainGFLOPS: Double
        public let inferGFLOPS: Double
        public let stepMilliseconds: Double
        /// Share of the slowest rank's training time spent waiting for gradient all-reduces.
        public let allReduceWaitShare: Double
        /// Rank 0's peak resident memory.
        public let peakResidentMiB: Double

        public var text: String {
            func share(_ gflops: Double) -> String { String(format: "%.1f GFLOP/s = %.0f%% of the limit", gflops, 100 * gflops / peak.gflops) }
            let emulated = precision == ComputePrecision.bfloat16.rawValue && !nativeBFloat16 ? " (emulated)" : ""
            return """
                model \(model) (\(parameters) parameters), batch \(batchSize) x \(leads) x \(length) per rank, \(classes) outputs, \(ranks) rank(s) x \(threads) thread(s), \(steps) steps, precision \(precision)\(emulated)
                train samples/s \(String(format: "%.2f", trainSamplesPerSecond))  (step \(String(format: "%.0f", stepMilliseconds)) ms, \(share(trainGFLOPS)), all-reduce wait \(String(format: "%.1f", allReduceWaitShare * 100))% of step)
                infer samples/s \(String(format: "%.2f", inferSamplesPerSecond))  (\(share(inferGFLOPS)))
                machine limit \(String(format: "%.0f", peak.gflops)) GFLOP/s \(precision): \(peak.basis)
                peak memory \(String(format: "%.0f", peakResidentMiB)) MiB
                """
        }
    }

    private static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The process's peak resident set size (getrusage's ru_maxrss, KiB on Linux).
    private static func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
