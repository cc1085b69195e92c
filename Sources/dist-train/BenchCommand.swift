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
            [batch, leads, length] input with --model's leads and outputs (ResNets 12 and 27, CNNs 1 and 4), and \
            reports both as GFLOP/s and as a share of the machine's limit: the arithmetic peak of the same threads, \
            measured by running the instruction the kernels use (vfmadd231ps, or vdpbf16ps in bf16). Compare with \
            bench/torch_resnet1d_bench.py or bench/torch_conv_zoo_bench.py --model M (in the repository) run with \
            the same --threads, batch size and length.

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

    @OptionGroup var timeout: CollectiveTimeoutOption

    @OptionGroup var arithmetic: PrecisionOption

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1.") }
        let model = try network.configuration()
        guard length >= model.minimumWindowLength else {
            throw ValidationError("--length must be at least \(model.minimumWindowLength) samples for \(model.name) (got \(length)).")
        }
    }

    func run() throws {
        let world = try timeout.world()
        do {
            try measure(world)
            try world.finalize()
        } catch {
            world.abort(message: "bench: \(error)")
        }
    }

    private func measure(_ world: Communicator) throws {
        let threads = threading.apply(ranksOnNode: world.localSize, rank: world.rank)
        let benchmark = ThroughputBenchmark(model: try network.configuration(), batchSize: batchSize, length: length,
                                            steps: steps, precision: arithmetic.resolved())
        guard let result = try benchmark.run(on: world, threads: threads) else { return }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print(result.text)
        }
    }
}
