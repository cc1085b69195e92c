import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train bench`: training and inference throughput of a network on random data, the numbers the
/// README's performance table and the PyTorch comparison come from.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training and inference throughput on random input.",
        discussion: """
            Times the trainer's own steps (loading, forward, BCE-with-logits, backward with the bucketed \
            all-reduce, Adam) after a warm-up step, then eval-mode forward passes, on random \
            [batch, 12, length] input with 27 outputs. Compare with \
            bench/torch_resnet1d_bench.py (in the repository) run with the same --threads and batch size.

            Under mpirun every rank runs --batch-size samples per step and the gradients are all-reduced as in \
            training; rank 0 reports the job's samples/s and the share of step time spent waiting on the \
            all-reduce.
            """)

    @OptionGroup var network: ModelOptions

    @Option(help: "Samples per step (per rank under mpirun).")
    var batchSize = 32

    @Option(help: "Samples per lead (5000 = 10 s at 500 Hz).")
    var length = 5000

    @Option(help: "Timed steps (after one warm-up step).")
    var steps = 3

    @OptionGroup var threading: ThreadOptions

    @OptionGroup var arithmetic: PrecisionOption

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1.") }
        guard length >= 64 else { throw ValidationError("--length must be at least 64 samples.") }
    }

    func run() throws {
        let world = try Communicator.world()
        do {
            try measure(world)
            try world.finalize()
        } catch {
            world.abort(message: "bench: \(error)")
        }
    }

    private func measure(_ world: Communicator) throws {
        let threads = threading.apply(ranksOnNode: world.localSize, rank: world.rank)
        let configuration = try network.configuration()
        let model = configuration.makeModel(seed: 0)
        // The trainer's own step on random samples: loading, forward, loss, backward with the bucketed all-reduce,
        // the optimizer and the step's loss all-reduce, exactly as in training.
        let globalBatch = batchSize * world.size
        let source = RandomSampleSource(count: globalBatch * (steps + 1), leads: model.input.leads, classes: model.classes,
                                        length: length, poolSize: batchSize, seed: UInt64(world.rank))
        let trainer = DataParallelTrainer(
            model: model,
            optimizer: Adam(parameterCount: model.parameters.parameterCount,
                            settings: OptimizerSettings(learningRate: 1e-3, weightDecay: 1e-5)),
            source: source,
            sampler: try EpochSampler(recordCount: source.count, worldSize: world.size, globalBatchSize: globalBatch, seed: 0),
            group: world, bucketSize: 4_194_304, seed: 0)
        model.precision = arithmetic.resolved()
        var waitSeconds = 0.0
        _ = try trainer.step()
        try world.barrier()
        let trainSeconds = try time { for _ in 0..<steps { waitSeconds += try trainer.step().allReduceWaitSeconds } }
        let input = Tensor(zeros: [batchSize, model.input.leads, length])
        let targets = Tensor(zeros: [batchSize, model.classes])
        for n in 0..<batchSize {
            try source.fill(n, epoch: 0, signal: input.base + n * model.input.leads * length, target: targets.base + n * model.classes)
        }
        _ = model.forward(input, training: false)
        try world.barrier()
        let inferSeconds = time { for _ in 0..<steps { _ = model.forward(input, training: false) } }
        var slowest = [trainSeconds, inferSeconds, waitSeconds]
        for i in 0..<3 { slowest[i] = Double(try world.allReduceMax(Int64(slowest[i] * 1e9))) / 1e9 }
        guard world.rank == 0 else { return }

        let samples = Double(batchSize * steps * world.size)
        let macs = Double(model.multiplyAccumulates(length: length))
        let limit = MachineLimit(cores: threads * world.size, precision: model.precision)
        let result = BenchResult(
            model: configuration.name, parameters: model.parameters.parameterCount, leads: model.input.leads, batchSize: batchSize, length: length,
            steps: steps, ranks: world.size, threads: threads, precision: model.precision.rawValue,
            nativeBFloat16: ComputePrecision.bfloat16IsNative, limitGFLOPS: limit.gflops, limitBasis: limit.basis,
            trainSamplesPerSecond: samples / slowest[0], inferSamplesPerSecond: samples / slowest[1],
            trainGFLOPS: samples * 6 * macs / slowest[0] / 1e9, inferGFLOPS: samples * 2 * macs / slowest[1] / 1e9,
            stepMilliseconds: slowest[0] / Double(steps) * 1000, allReduceWaitShare: slowest[2] / slowest[0],
            peakResidentMiB: peakResidentMiB())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.text)
        }
    }

    private func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// The process's peak resident set size (getrusage's ru_maxrss, KiB on Linux).
    private func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// What `bench` measured; the JSON form's field names.
struct BenchResult: Codable {
    let model: String
    let parameters: Int
    let leads: Int
    let batchSize: Int
    let length: Int
    let steps: Int
    let ranks: Int
    let threads: Int
    let precision: String
    let nativeBFloat16: Bool
    /// The machine's peak for the cores used, in this precision (see `MachineLimit`), and how it was computed.
    let limitGFLOPS: Double
    let limitBasis: String
    let trainSamplesPerSecond: Double
    let inferSamplesPerSecond: Double
    /// Convolution and classifier FLOPs (2 per multiply-accumulate; training counts 3 passes).
    let trainGFLOPS: Double
    let inferGFLOPS: Double
    let stepMilliseconds: Double
    /// Share of the slowest rank's training time spent waiting for gradient all-reduces.
    let allReduceWaitShare: Double
    /// Rank 0's peak resident memory.
    let peakResidentMiB: Double

    var text: String {
        """
        model \(model) (\(parameters) parameters), batch \(batchSize) x \(leads) x \(length) per rank, \(ranks) rank(s) x \(threads) thread(s), \(steps) steps, precision \(precision)\(precision == "bf16" && !nativeBFloat16 ? " (emulated)" : "")
        train samples/s \(String(format: "%.2f", trainSamplesPerSecond))  (step \(String(format: "%.0f", stepMilliseconds)) ms, \(String(format: "%.1f", trainGFLOPS)) GFLOP/s = \(String(format: "%.0f", 100 * trainGFLOPS / limitGFLOPS))% of the limit, all-reduce wait \(String(format: "%.1f", allReduceWaitShare * 100))% of step)
        infer samples/s \(String(format: "%.2f", inferSamplesPerSecond))  (\(String(format: "%.1f", inferGFLOPS)) GFLOP/s = \(String(format: "%.0f", 100 * inferGFLOPS / limitGFLOPS))% of the limit)
        machine limit \(String(format: "%.0f", limitGFLOPS)) GFLOP/s: \(limitBasis)
        peak memory \(String(format: "%.0f", peakResidentMiB)) MiB
        """
    }
}

/// The peak FLOP rate of the cores a bench uses: cores × FLOP per cycle × clock, where a core retires two
/// fused multiply-adds per cycle on its widest vectors (AVX-512: 2 × 16 lanes × 2 = 64 float32 FLOP; AVX2: 32),
/// twice that in bfloat16 where `vdpbf16ps` is native, and the clock is /proc/cpuinfo's "cpu MHz" (the
/// nominal clock a VM reports; turbo can exceed it).
struct MachineLimit {
    let gflops: Double
    let basis: String

    init(cores: Int, precision: ComputePrecision) {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
        let megahertz = cpuinfo.split(separator: "\n").first { $0.hasPrefix("cpu MHz") }
            .flatMap { Double($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 3000
        var perCycle: Double = flags.contains("avx512f") ? 64 : flags.contains("fma") ? 32 : 8
        let doubled = precision == .bfloat16 && ComputePrecision.bfloat16IsNative
        if doubled { perCycle *= 2 }
        gflops = Double(cores) * perCycle * megahertz / 1000
        basis = "\(cores) cores x \(Int(perCycle)) \(precision == .bfloat16 ? "bfloat16" : "float32") FLOP/cycle x "
            + String(format: "%.2f GHz", megahertz / 1000)
    }
}
