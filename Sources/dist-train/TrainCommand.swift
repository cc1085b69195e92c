import ArgumentParser
import DistTensor
import ECGNets
import Foundation

/// `dist-train train` (the default command): trains a ResNet1D and prints the loss of every step.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a ResNet1D (the default command).",
        discussion: """
            Until the ECG data pipeline lands this trains on a synthetic, learnable 12-lead task: each of the \
            27 classes is a tone of its own frequency on one lead, hidden in noise. A falling loss well below \
            the label prior's entropy (0.42 at 15% prevalence) shows the network learning.
            """)

    @Option(help: "Network: \(ModelName.allValueStrings.joined(separator: ", ")).")
    var model: ModelName = .resnet34

    @Option(help: "Channels of the four stages, comma-separated (default 64,128,256,512).")
    var widths = "64,128,256,512"

    @Option(help: "Training steps.")
    var steps = 100

    @Option(help: "Samples per step.")
    var batchSize = 32

    @Option(help: "Samples per lead (5000 = 10 s at 500 Hz).")
    var length = 5000

    @Option(help: "Optimizer: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var optimizer: OptimizerKind = .adam

    @Option(name: .customLong("lr"), help: "Learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "Weight decay (L2 for adam and sgd, decoupled for adamw).")
    var weightDecay: Float = 1e-5

    @Option(help: "Dropout probability inside the residual blocks.")
    var dropout: Float = 0.2

    @Option(help: "Seed of initialisation, data and dropout.")
    var seed: UInt64 = 0

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1.") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1.") }
        guard length >= 64 else { throw ValidationError("--length must be at least 64 samples.") }
        guard learningRate > 0 else { throw ValidationError("--lr must be positive.") }
        guard weightDecay >= 0 else { throw ValidationError("--weight-decay must not be negative.") }
        guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be in [0, 1).") }
        _ = try parsedWidths()
    }

    func run() throws {
        let threads = threading.apply()
        let configuration = ResNet1DConfiguration(depth: model.depth, widths: try parsedWidths(), dropout: dropout)
        let network = ResNet1D(configuration, seed: seed)
        let source = SyntheticRhythmTask(leads: configuration.leads, classes: configuration.classes, length: length, seed: seed)
        let loop = TrainingLoop(
            model: network,
            optimizer: optimizer.make(parameterCount: network.parameters.parameterCount,
                                      settings: OptimizerSettings(learningRate: learningRate, weightDecay: weightDecay)),
            source: source, batchSize: batchSize, seed: seed)
        print("training \(model) (\(network.parameters.parameterCount) parameters) on the synthetic task: "
              + "\(steps) steps of \(batchSize) x \(configuration.leads) x \(length), \(optimizer.rawValue), \(threads) threads")
        let start = DispatchTime.now().uptimeNanoseconds
        for step in 1...steps {
            let loss = loop.step()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            print("step \(step)/\(steps)  loss \(String(format: "%.4f", loss))  "
                  + "\(String(format: "%.1f", Double(step * batchSize) / seconds)) samples/s")
        }
    }

    private func parsedWidths() throws -> [Int] {
        let values = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == model.depth.blocksPerStage.count, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--widths needs \(model.depth.blocksPerStage.count) positive integers, e.g. 64,128,256,512 (got '\(widths)').")
        }
        return values.map { $0! }
    }
}

extension OptimizerKind: ExpressibleByArgument {}
