import DistTensor

/// The small 1-D CNN of the single-lead rhythm studies (DESIGN.md §9: five rhythm classes from lead II at 1,280
/// samples, 14.2 K parameters), and its twin-branch variant, described as data.
///
/// Layer list of one branch (PyTorch names `branches.<b>.<i>.conv`, `.bn`), widths [8, 16, 32, 64]:
/// `Conv1d(leads → 8, k5, padding 2) → BatchNorm1d → ReLU → MaxPool1d(2)`, the same for 8 → 16 and 16 → 32, then
/// `Conv1d(32 → 64, k5, padding 2) → BatchNorm1d → ReLU` (no pool after the last block), then
/// `AdaptiveAvgPool1d(1) → Flatten`; the branches' features are concatenated (64 per branch) into
/// `Linear(64·branches → classes)` (`fc`). Convolutions have biases (PyTorch's default): 14,165 parameters for one
/// lead and 5 classes, the published 14.2 K (without the four convolution biases it would be 14,045).
/// `cnn1d-twin` is two such branches side by side on the same input (different weights), 128 features.
public struct CNN1DConfiguration: Sendable, Equatable, Codable {
    public var leads: Int
    public var classes: Int
    /// Output channels of the blocks; every block but the last is followed by a max-pool of 2.
    public var widths: [Int]
    public var kernel: Int
    /// Feature branches side by side (1: `cnn1d`, 2: `cnn1d-twin`).
    public var branches: Int

    public init(leads: Int = 1, classes: Int = 4, widths: [Int] = [8, 16, 32, 64], kernel: Int = 5, branches: Int = 1) {
        precondition(!widths.isEmpty && widths.allSatisfy { $0 > 0 } && branches > 0, "a CNN needs blocks and a branch")
        precondition(kernel % 2 == 1, "kernels must be odd to keep 'same' padding")
        self.leads = leads
        self.classes = classes
        self.widths = widths
        self.kernel = kernel
        self.branches = branches
    }

    public static let cnn1d = CNN1DConfiguration()
    public static let twin = CNN1DConfiguration(branches: 2)

    /// `cnn1d`, or `cnn1d-twin` for two branches (`cnn1d-xN` beyond).
    public var name: String { branches == 1 ? "cnn1d" : branches == 2 ? "cnn1d-twin" : "cnn1d-x\(branches)" }

    public var summary: String {
        "\(name) widths \(widths), kernel \(kernel), \(branches) branch\(branches == 1 ? "" : "es"), \(leads) leads, "
            + "\(classes) classes"
    }

    /// `cnn1d widths [8, 16, 32, 64]` and every other field that differs from `other`.
    public func describe(differingFrom other: CNN1DConfiguration) -> String {
        var parts = ["\(name) widths \(widths)"]
        for (field, mine, theirs) in [("leads", leads, other.leads), ("classes", classes, other.classes),
                                      ("kernel", kernel, other.kernel), ("branches", branches, other.branches)]
            where mine != theirs {
            parts.append("\(field) \(mine)")
        }
        return parts.joined(separator: ", ")
    }
}

/// `CNN1DConfiguration` as a network on the model seam; channels-last inside, as every DistTensor layer.
public final class CNN1D: ECGModel {
    /// One `Conv → BatchNorm → ReLU (→ MaxPool 2)` block.
    private struct Block {
        let conv: Conv1D
        let norm: BatchNorm1D
        let pool: MaxPool1D?
    }

    /// One feature branch and the pooling that ends it.
    private struct Branch {
        let blocks: [Block]
        let pool = AdaptiveAveragePool1D(outputSize: 1)
        let flatten = Flatten()
    }

    public let configuration: CNN1DConfiguration
    public let parameters: ParameterStore
    public let workspace = Workspace()
    public var precision: ComputePrecision = .float32 {
        didSet { for branch in branches { for block in branch.blocks { block.conv.precision = precision } } }
    }

    private let channelsLast = ChannelsLast()
    private let branches: [Branch]
    private let concatenation = Concatenation()
    private let classifier: Linear

    public init(_ configuration: CNN1DConfiguration, seed: UInt64) {
        self.configuration = configuration
        var layout = ParameterLayout()
        var branches: [Branch] = []
        for b in 0..<configuration.branches {
            var blocks: [Block] = []
            var channels = configuration.leads
            for (i, width) in configuration.widths.enumerated() {
                let name = "branches.\(b).\(i)"
                let conv = Conv1D(name: "\(name).conv", inChannels: channels, outChannels: width, kernelSize: configuration.kernel,
                                  padding: configuration.kernel / 2, bias: true, layout: &layout, workspace: workspace)
                conv.computesInputGradient = i > 0
                blocks.append(Block(conv: conv, norm: BatchNorm1D(name: "\(name).bn", channels: width, layout: &layout),
                                    pool: i + 1 < configuration.widths.count ? MaxPool1D(kernelSize: 2, stride: 2) : nil))
                channels = width
            }
            branches.append(Branch(blocks: blocks))
        }
        self.branches = branches
        classifier = Linear(name: "fc", inFeatures: configuration.widths.last! * configuration.branches,
                            outFeatures: configuration.classes, layout: &layout)
        parameters = ParameterStore(layout: layout, seed: seed)
    }

    public var architecture: ModelConfiguration { .cnn1D(configuration) }
    public var input: ModelInput { architecture.input }
    public var classes: Int { configuration.classes }

    public func forward(_ input: Tensor, training: Bool, dropoutKey: UInt64) -> Tensor {
        precondition(input.shape.count == 3 && input.shape[1] == configuration.leads,
                     "CNN1D expects [N, \(configuration.leads), L], got \(input.shape)")
        let x = channelsLast.forward(input)
        let features = branches.map { branch in
            var h = x
            for block in branch.blocks {
                h = training
                    ? block.norm.forward(block.conv.forward(h, parameters), parameters, training: true, rectify: true)
                    : block.conv.forward(h, parameters, epilogue: block.norm.evaluationEpilogue(parameters, rectify: true))
                if let pool = block.pool { h = pool.forward(h) }
            }
            return branch.flatten.forward(branch.pool.forward(h))
        }
        return classifier.forward(features.count == 1 ? features[0] : concatenation.forward(features), parameters)
    }

    public func backward(_ dLogits: Tensor, gradientsReady: (Int) -> Void) {
        let dFeatures = classifier.backward(dLogits, parameters)
        gradientsReady(classifier.weight.offset)
        let parts = branches.count == 1 ? [dFeatures] : concatenation.backward(dFeatures)
        for (branch, part) in zip(branches, parts).reversed() {
            var g = branch.pool.backward(branch.flatten.backward(part))
            for block in branch.blocks.reversed() {
                if let pool = block.pool { g = pool.backward(g) }
                g = block.conv.backward(block.norm.backward(g, parameters, inPlace: true), parameters)
                gradientsReady(block.conv.weight.offset)
            }
        }
    }

    public func synchronizeBatchNormalization(over group: ProcessGroup?) {
        for branch in branches { for block in branch.blocks { block.norm.synchronization = group } }
    }

    public func multiplyAccumulates(length: Int) -> Int {
        var total = classifier.inFeatures * classifier.outFeatures
        for branch in branches {
            var current = length
            for block in branch.blocks {
                total += block.conv.multiplyAccumulates(length: current)
                current = block.pool.map { $0.outputLength(current) } ?? current
            }
        }
        return total
    }
}

/// CNN1D's inference graph in ONNX operators: per branch each block's Conv → BatchNormalization → Relu (→ MaxPool),
/// then GlobalAveragePool → Flatten; the branches joined by Concat (cnn1d-twin) into the classifier's Gemm.
extension CNN1D: ONNXGraphDescribing {
    public func describeInference(in graph: inout ONNXGraph, input: String, length: Int) -> String {
        var features: [String] = []
        for branch in branches {
            var h = input
            for block in branch.blocks {
                h = graph.relu(graph.batchNormalization(graph.convolution(h, block.conv), block.norm))
                if let pool = block.pool { h = graph.maxPool(h, pool) }
            }
            features.append(graph.globalAveragePool(h))
        }
        return graph.linear(features.count == 1 ? features[0] : graph.concatenate(features, axis: 1), classifier,
                            output: "logits")
    }
}
