import ArgumentParser
import ECGNets

/// `--model` values: the named depths of `ResNet1DConfiguration.Depth`.
struct ModelName: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let depth: ResNet1DConfiguration.Depth
    let name: String

    init?(argument: String) {
        guard let depth = ResNet1DConfiguration.Depth.named[argument.lowercased()] else { return nil }
        self.depth = depth
        name = argument.lowercased()
    }

    static var allValueStrings: [String] { ResNet1DConfiguration.Depth.named.keys.sorted() }

    var description: String { name }

    static let resnet34 = ModelName(argument: "resnet34")!
}

/// The network options `train` and `bench` share: depth, stage widths and dropout.
struct ModelOptions: ParsableArguments {
    @Option(help: "Network: \(ModelName.allValueStrings.joined(separator: ", ")).")
    var model: ModelName = .resnet34

    @Option(help: "Channels of the four stages, comma-separated.")
    var widths = "64,128,256,512"

    @Option(help: "Dropout probability inside the residual blocks.")
    var dropout: Float = 0.2

    func validate() throws {
        guard dropout >= 0 && dropout < 1 else { throw ValidationError("--dropout must be in [0, 1).") }
        _ = try parsedWidths()
    }

    /// The ResNet1D these options describe.
    func configuration() throws -> ResNet1DConfiguration {
        ResNet1DConfiguration(depth: model.depth, widths: try parsedWidths(), dropout: dropout)
    }

    private func parsedWidths() throws -> [Int] {
        let values = widths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count == model.depth.blocksPerStage.count, values.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--widths needs \(model.depth.blocksPerStage.count) positive integers, e.g. 64,128,256,512 (got '\(widths)').")
        }
        return values.compactMap { $0 }
    }
}
