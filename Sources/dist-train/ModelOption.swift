import ArgumentParser
import ECGNets
import Foundation

/// `--model` values: the architectures `ModelConfiguration.named` lists.
struct ModelName: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let configuration: ModelConfiguration
    let name: String

    init?(argument: String) {
        guard let configuration = ModelConfiguration.named[argument.lowercased()] else { return nil }
        self.configuration = configuration
        name = argument.lowercased()
    }

    static var allValueStrings: [String] { ModelConfiguration.named.keys.sorted() }

    var description: String { name }

    static let resnet34 = ModelName(argument: "resnet34")!
}

/// The network options `train`, `bench` and `bench-checkpoint` share: architecture, depth, stage widths and dropout.
/// Input leads and output classes are not options: they come from the task.
struct ModelOptions: ParsableArguments {
    /// What `--model` offers, one clause per architecture.
    static let modelHelp: String = "Network: " + ModelName.allValueStrings.joined(separator: ", ") + ". resnet18/34: 1-D ResNets of "
        + "BasicBlocks (DESIGN.md §8); resnet: 3 stages 32-64-128 (CinC 2017 studies); se-resnet34: ResNet34 with "
        + "squeeze-and-excitation (reduction 16) in every block (CinC 2020 leaders); cnn1d: four Conv(k5)-BN-ReLU blocks "
        + "8-16-32-64, 14.2 K parameters (single-lead rhythm studies); cnn1d-twin: two cnn1d branches concatenated; "
        + "gru-mha, lstm-mha: GRU / LSTM layers, multi-head self-attention over time, mean, linear; cnn-mhsa: convolution "
        + "blocks, self-attention, dense layers; stft-cnn-gru, stft-cnn-lstm: log |STFT| (n_fft 256, hop 128), two "
        + "Conv2d-ReLU-MaxPool2d blocks 16-32 (the LSTM one with BatchNorm2d), GRU / LSTM 128 over the frames, last state, "
        + "linear (CinC 2017 studies; README's model table)."

    @Option(help: ArgumentHelp(Self.modelHelp))
    var model: ModelName = .resnet34

    @Option(help: ArgumentHelp("Blocks of each stage of a ResNet, comma-separated, instead of --model's (e.g. 2,2,2 for a "
                                   + "3-stage ResNet); as many stages as --widths has values.", valueName: "n,n,..."))
    var blocksPerStage: String?

    @Option(help: ArgumentHelp("Channels of the stages (ResNets) or blocks (cnn1d), comma-separated, instead of --model's "
                                   + "(resnet34: 64,128,256,512).", valueName: "n,n,..."))
    var widths: String?

    @Option(help: "Dropout probability inside the residual blocks (ResNets; default 0.2).")
    var dropout: Float?

    @Option(help: ArgumentHelp("The network as data instead of the options above: a JSON file, or the JSON itself, as "
                                   + "`inspect` prints it ({\"architecture\": \"resnet1d\", \"configuration\": {...}}).",
                               valueName: "json|file"))
    var modelConfiguration: String?

    func validate() throws {
        if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1).") }
        _ = try configuration()
    }

    /// The architecture these options describe, for the task of `--model`'s preset (training sizes it to its task).
    func configuration() throws -> ModelConfiguration {
        if let modelConfiguration { return try Self.decode(modelConfiguration) }
        switch model.configuration {
        case var .resnet1D(configuration):
            if let blocksPerStage { configuration.depth = try Self.parsedDepth(blocksPerStage) }
            configuration.widths = try parsedWidths(count: configuration.depth.blocksPerStage.count,
                                                    default: configuration.widths, what: "one per stage")
            if let dropout { configuration.dropout = dropout }
            return .resnet1D(configuration)
        case var .cnn1D(configuration):
            guard blocksPerStage == nil && dropout == nil else {
                throw ValidationError("--blocks-per-stage and --dropout apply to the ResNets; \(model) has neither (its blocks "
                                      + "are its --widths).")
            }
            if let widths { configuration.widths = try Self.parsedIntegers(widths, "--widths", example: "8,16,32,64") }
            return .cnn1D(configuration)
        case .gruMHA, .lstmMHA, .cnnMHSA, .stftCNNGRU, .stftCNNLSTM:
            guard blocksPerStage == nil && widths == nil && dropout == nil else {
                throw ValidationError("--blocks-per-stage, --widths and --dropout apply to the ResNets and cnn1d; size \(model) "
                                      + "with --model-configuration (as `inspect` prints it).")
            }
            return model.configuration
        }
    }

    private static func parsedDepth(_ blocksPerStage: String) throws -> ResNet1DConfiguration.Depth {
        ResNet1DConfiguration.Depth(blocksPerStage: try parsedIntegers(blocksPerStage, "--blocks-per-stage", example: "3,4,6,3"))
    }

    private static func parsedIntegers(_ text: String, _ flag: String, example: String) throws -> [Int] {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("\(flag) needs positive integers, e.g. \(example) (got '\(text)').")
        }
        return values.compactMap { $0 }
    }

    private func parsedWidths(count: Int, default preset: [Int], what: String) throws -> [Int] {
        guard let widths else {
            guard preset.count == count else {
                throw ValidationError("--widths needs \(count) positive integers, \(what), e.g. "
                                      + "\([64, 128, 256, 512, 1024].prefix(count).map(String.init).joined(separator: ",")).")
            }
            return preset
        }
        let values = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == count, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--widths needs \(count) positive integers, \(what), e.g. "
                                  + "\([64, 128, 256, 512, 1024].prefix(count).map(String.init).joined(separator: ",")) (got '\(widths)').")
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
