import DistTensor

/// A 1-D ResNet described as data: depth (blocks per stage, so also the number of stages: ResNet18 and ResNet34
/// have 4, the CinC 2017 studies' ResNet 3), widths, kernels, an optional squeeze-and-excitation gate in every block
/// (SE-ResNet, as the CinC 2020 leaders used) and the shape of its input and output.
public struct ResNet1DConfiguration: Sendable, Equatable, Codable {
    /// Blocks per stage; each stage after the first starts with a stride-2 block.
    public struct Depth: Sendable, Equatable, Codable, CustomStringConvertible {
        public let blocksPerStage: [Int]

        public init(blocksPerStage: [Int]) {
            precondition(!blocksPerStage.isEmpty && blocksPerStage.allSatisfy { $0 > 0 }, "every stage needs a block")
            self.blocksPerStage = blocksPerStage
        }

        /// ResNet18's [2, 2, 2, 2] BasicBlocks.
        public static let resnet18 = Depth(blocksPerStage: [2, 2, 2, 2])
        /// ResNet34's [3, 4, 6, 3] BasicBlocks.
        public static let resnet34 = Depth(blocksPerStage: [3, 4, 6, 3])

        /// The named depths `--model` accepts.
        public static let named: [String: Depth] = ["resnet18": .resnet18, "resnet34": .resnet34]

        /// Weighted layers: two convolutions per block, the stem and the classifier.
        public var layerCount: Int { 2 * blocksPerStage.reduce(0, +) + 2 }

        public var description: String { "resnet\(layerCount)" }
    }

    public var depth: Depth
    /// Channels of each stage; as many as `depth` has stages.
    public var widths: [Int]
    public var leads: Int
    public var classes: Int
    public var stemKernel: Int
    public var stemStride: Int
    public var blockKernel: Int
    public var dropout: Float
    /// The reduction `r` of a squeeze-and-excitation gate (`C → C/r → C`) after every block's second BatchNorm, or
    /// nil for none (absent from JSON then, so plain ResNet configurations read and write as before).
    public var squeezeExcitation: Int?

    public init(depth: Depth = .resnet34, widths: [Int] = [64, 128, 256, 512], leads: Int = 12, classes: Int = 27,
                stemKernel: Int = 15, stemStride: Int = 2, blockKernel: Int = 7, dropout: Float = 0.2,
                squeezeExcitation: Int? = nil) {
        precondition(squeezeExcitation.map { $0 > 0 } ?? true, "the squeeze-and-excitation reduction must be positive")
        precondition(widths.count == depth.blocksPerStage.count, "\(widths.count) widths for \(depth.blocksPerStage.count) stages")
        precondition(stemKernel % 2 == 1 && blockKernel % 2 == 1, "kernels must be odd to keep 'same' padding")
        self.depth = depth
        self.widths = widths
        self.leads = leads
        self.classes = classes
        self.stemKernel = stemKernel
        self.stemStride = stemStride
        self.blockKernel = blockKernel
        self.dropout = dropout
        self.squeezeExcitation = squeezeExcitation
    }

    /// The ResNet34-1D of DESIGN.md §8.
    public static let resnet34 = ResNet1DConfiguration()
    /// The ResNet18-1D of DESIGN.md §8.
    public static let resnet18 = ResNet1DConfiguration(depth: .resnet18)
    /// The smaller 1-D ResNet of the CinC 2017 studies (DESIGN.md §9): 3 stages of 2 BasicBlocks, 32 → 64 → 128.
    public static let small = ResNet1DConfiguration(depth: Depth(blocksPerStage: [2, 2, 2]), widths: [32, 64, 128])
    /// ResNet34-1D with a squeeze-and-excitation gate of reduction 16 in every BasicBlock.
    public static let seResNet34 = ResNet1DConfiguration(squeezeExcitation: 16)

    /// `resnet34`, or `se-resnet34` with squeeze-and-excitation.
    public var name: String { (squeezeExcitation == nil ? "" : "se-") + depth.description }

    /// `resnet34 widths [64, 128, 256, 512], blocks per stage [3, 4, 6, 3], 12 leads, 27 classes, ...`.
    public var summary: String {
        "\(name) widths \(widths), blocks per stage \(depth.blocksPerStage), \(leads) leads, \(classes) classes, "
            + "stem kernel \(stemKernel) stride \(stemStride), block kernel \(blockKernel), dropout \(dropout)"
            + (squeezeExcitation.map { ", squeeze-and-excitation reduction \($0)" } ?? "")
    }

    /// `resnet18 widths [64, 128, 256, 512]`, followed by every other field in which this configuration differs
    /// from `other` (leads, classes, kernels, stride, dropout, blocks per stage when the names coincide).
    public func describe(differingFrom other: ResNet1DConfiguration) -> String {
        var parts = ["\(name) widths \(widths)"]
        if depth != other.depth && depth.description == other.depth.description {
            parts.append("blocks per stage \(depth.blocksPerStage)")
        }
        let fields: [(String, String, String)] = [
            ("leads", "\(leads)", "\(other.leads)"),
            ("classes", "\(classes)", "\(other.classes)"),
            ("stem kernel", "\(stemKernel)", "\(other.stemKernel)"),
            ("stem stride", "\(stemStride)", "\(other.stemStride)"),
            ("block kernel", "\(blockKernel)", "\(other.blockKernel)"),
            ("dropout", "\(dropout)", "\(other.dropout)"),
            ("squeeze-and-excitation reduction", squeezeExcitation.map(String.init) ?? "none",
             other.squeezeExcitation.map(String.init) ?? "none"),
        ]
        for (name, mine, theirs) in fields where mine != theirs {
            parts.append("\(name) \(mine)")
        }
        return parts.joined(separator: ", ")
    }
}

/// ResNet1D on the model seam: its configuration is the `resnet1D` case.
extension ResNet1D: ECGModel {
    public var architecture: ModelConfiguration { .resnet1D(configuration) }
    public var input: ModelInput { architecture.input }
    public var classes: Int { configuration.classes }
}
