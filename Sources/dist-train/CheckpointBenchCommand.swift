import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train bench-checkpoint`: how long writing and loading a checkpoint take (a ResNet34 with Adam state is
/// about 200 MB), repeated because the machine may be busy with other work.
struct CheckpointBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-checkpoint",
        abstract: "Measure writing and loading a checkpoint with Adam state.",
        discussion: """
            Writes the checkpoint of a freshly initialised network with random Adam moments --repetitions times \
            (atomically, with fsync, as training does) and loads it as many times (open, read every tensor and \
            the optimizer state, verify the digest); prints the best and the median seconds of each.
            """)

    @OptionGroup var network: ModelOptions

    @Option(help: "Directory to write the checkpoint in (use the file system checkpoints will live on).")
    var directory = FileManager.default.temporaryDirectory.path

    @Option(help: "Writes and loads to time.")
    var repetitions = 5

    func validate() throws {
        guard repetitions >= 1 else { throw ValidationError("--repetitions must be at least 1.") }
    }

    func run() throws {
        let configuration = try network.configuration()
        let model = configuration.makeModel(seed: 1)
        let optimizer = Adam(parameterCount: model.parameters.parameterCount,
                             settings: OptimizerSettings(learningRate: 1e-3, weightDecay: 1e-5))
        var random = RandomStream(seed: 1, 0xC4E)
        for block in optimizer.stateBlocks {
            for i in 0..<block.values.count { block.values[i] = random.nextUniform() }
        }
        optimizer.stepCount = 1000
        let metadata = CheckpointMetadata(
            configuration: configuration, classCodes: ChallengeClasses.challenge2020.codes, epoch: 3, globalStep: 1000,
            stepInEpoch: 10, worldSize: 4, seed: 1, globalBatchSize: 32, stepsPerEpoch: 330,
            softwareVersion: DistTrainVersion.current)
        let url = URL(fileURLWithPath: directory).appendingPathComponent("bench-checkpoint-\(getpid()).nc")
        defer { try? FileManager.default.removeItem(at: url) }
        var writes: [Double] = []
        for _ in 0..<repetitions {
            writes.append(try seconds { try CheckpointWriter.write(to: url, model: model, optimizer: optimizer, metadata: metadata) })
        }
        let target = configuration.makeModel(seed: 2)
        let targetOptimizer = Adam(parameterCount: target.parameters.parameterCount,
                                   settings: OptimizerSettings(learningRate: 1e-3, weightDecay: 1e-5))
        var loads: [Double] = []
        for _ in 0..<repetitions {
            loads.append(try seconds { try CheckpointReader(url: url).restore(into: target, optimizer: targetOptimizer) })
        }
        let megabytes = Double((try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0) / 1e6
        func summary(_ values: [Double]) -> String {
            let sorted = values.sorted()
            return String(format: "best %.2f s, median %.2f s", sorted[0], sorted[sorted.count / 2])
        }
        print("checkpoint of \(network.model.name) (\(model.parameters.parameterCount) parameters, Adam): "
              + String(format: "%.0f MB", megabytes) + " in \(directory), \(repetitions) repetitions")
        print("write \(summary(writes))  [" + writes.map { String(format: "%.2f", $0) }.joined(separator: " ") + "]")
        print("load  \(summary(loads))  [" + loads.map { String(format: "%.2f", $0) }.joined(separator: " ") + "]")
    }

    private func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
