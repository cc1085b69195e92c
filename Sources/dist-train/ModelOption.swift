import ArgumentParser
import ECGNets
import Foundation

/// `--model` values: the named depths of `ResNet1DConfiguration.Depth`, or an architecture of `ModelConfiguration.zoo`.
struct ModelName: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let depth: ResNet1DConfiguration.Depth
    /// The zoo architecture at its default sizes, or nil for a ResNet.
    let zoo: ModelConfiguration?
    let name: String

    init?(argument: String) {
        name = argument.lowercased()
        zoo = ModelConfiguration.zoo[name]
        guard let depth = ResNet1DConfiguration.Depth.named[name] ?? (zoo == nil ? nil : .resnet34) else { return nil }
        self.depth = depth
    }

    static var allValueStrings: [String] { ResNet1DConfiguration.Depth.named.keys.sorted() + ModelConfiguration.zoo.keys.sorted() }

    var description: String { name }

    static let resnet34 = ModelName(argument: "resnet34")!
}

/// The network options `train`, `bench` and `bench-checkpoint` share: architecture, depth, stage widths and dropout.
/// Input leads and output classes are not options: they come from the task.
struct ModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Network: \(ModelName.allValueStrings.joined(separator: ", ")) (resnet: 1-D ResNets of "
                                   + "BasicBlocks; gru-mha, lstm-mha: GRU / LSTM layers, multi-head self-attention over time, "
                                   + "mean, linear; cnn-mhsa: convolution blocks, self-attention, dense layers; README's model table)."))
    var model: ModelName = .resnet34

    @Option(help: ArgumentHelp("Blocks of each stage, comma-separated, instead of --model's (e.g. 2,2,2 for a 3-stage ResNet); "
                                   + "as many stages as --widths has values.", valueName: "n,n,..."))
    var blocksPerStage: String?

    @Option(help: "Channels of the stages, comma-separated (one per stage).")
    var widths = "64,128,256,512"

    @Option(help: "Dropout probability inside the residual blocks.")
    var dropout: Float = 0.2

    @Option(help: ArgumentHelp("The network as data instead of the options above: a JSON file, or the JSON itself, as "
                                   + "`inspect` prints it ({\"architecture\": \"resnet1d\", \"configuration\": {...}}).",
                               valueName: "json|file"))
    var modelConfiguration: String?

    func validate() throws {
        guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be in [0, 1).") }
        _ = try configuration()
    }

    /// The architecture these options describe, for the Challenge task's 12 leads and 27 classes (training sizes it
    /// to its task).
    func configuration() throws -> ModelConfiguration {
        if let modelConfiguration { return try Self.decode(modelConfiguration) }
        if let zoo = model.zoo { return zoo }
        let depth = try parsedDepth()
        return .resnet1D(ResNet1DConfiguration(depth: depth, widths: try parsedWidths(stages: depth.blocksPerStage.count),
                                               dropout: dropout))
    }

    private func parsedDepth() throws -> ResNet1DConfiguration.Depth {
        guard let blocksPerStage else { return model.depth }
        let values = blocksPerStage.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--blocks-per-stage needs positive integers, e.g. 3,4,6,3 (got '\(blocksPerStage)').")
        }
        return ResNet1DConfiguration.Depth(blocksPerStage: values.compactMap { $0 })
    }

    private func parsedWidths(stages: Int) throws -> [Int] {
        let values = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == stages, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--widths needs \(stages) positive integers, one per stage, e.g. "
                                  + "\([64, 128, 256, 512].prefix(stages).map(String.init).joined(separator: ",")) (got '\(widths)').")
        }
        return values.compactMap { $0 }
    }

    /// `--model-configuration`: the file's contents, or the text itself when no such file exists.
    private static func decode(_ argument: String) throws -> ModelConfiguration {
        let json = FileManager.default.fileExists(atPath: argument)
            ? try String(contentsOfFile: argument, encoding: .utf8) : argument
        do {
            return try JSONDecoder().decode(ModelConfiguration.self, from: Data(json.utf8))
        } catch {
            throw ValidationError("--model-configuration \(argument) is not a model configuration (\(error)). Give JSON as "
                                  + "`dist-train inspect CKPT` prints it, e.g. {\"architecture\": \"resnet1d\", \"configuration\": {...}}.")
        }
    }
}
