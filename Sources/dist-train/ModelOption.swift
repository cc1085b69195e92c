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
