import DistTensor

/// `cnn-mhsa`: convolution blocks, multi-head self-attention over time, dense layers, after the CNN with multi-head
/// self-attention of the MIT-BIH beat studies this project grew from (DESIGN.md §9). Layers:
///
/// 1. `blocks.i` for each of `widths`: Conv1d(k3, p1, no bias) → BatchNorm1d → ReLU, MaxPool1d(2) after every
///    second block;
/// 2. `attention`: `nn.MultiheadAttention(widths.last, heads, dropout=attentionDropout, batch_first=True)` with a
///    residual sum and `norm`: `nn.LayerNorm`, `h = norm(h + attention(h))`;
/// 3. mean over time;
/// 4. `dense.j` for each of `dense`: Linear → activation (ReLU, GELU or LeakyReLU(0.01)) → dropout;
/// 5. `fc`: Linear(→ classes).
///
/// Defaults: widths 16, 16, 32, 32, 64, 64 (three max-pools: a 10-s window at 300 Hz attends over 375 steps),
/// 4 heads, attention dropout 0.1, one dense layer of 64 with ReLU, dropout 0.3, 1 lead, 4 classes: 45,492
/// parameters. Convolutions follow `--precision` (oneDNN bfloat16); attention, LayerNorm and the dense layers stay
/// float32.
public struct CNNSelfAttentionConfiguration: Sendable, Equatable, Codable {
    /// The dense layers' activation.
    public enum Activation: String, Sendable, Codable, CaseIterable {
        case relu, gelu, leakyReLU = "leaky-relu"
    }

    public var leads: Int
    public var classes: Int
    public var widths: [Int]
    public var heads: Int
    public var attentionDropout: Float
    public var dense: [Int]
    public var activation: Activation
    public var dropout: Float

    public init(leads: Int = 1, classes: Int = 4, widths: [Int] = [16, 16, 32, 32, 64, 64], heads: Int = 4,
                attentionDropout: Float = 0.1, dense: [Int] = [64], activation: Activation = .relu, dropout: Float = 0.3) {
        precondition(!widths.isEmpty && widths.allSatisfy { $0 > 0 } && heads > 0 && widths.last! % heads == 0,
                     "cnn-mhsa needs positive widths, the last (\(widths.last ?? 0)) divisible by heads (\(heads))")
        (self.leads, self.classes, self.widths, self.heads) = (leads, classes, widths, heads)
        (self.attentionDropout, self.dense, self.activation, self.dropout) = (attentionDropout, dense, activation, dropout)
    }

    public var summary: String {
        "cnn-mhsa widths \(widths), \(heads) heads, attention dropout \(attentionDropout), dense \(dense) "
            + "\(activation.rawValue), dropout \(dropout), \(leads) leads, \(classes) classes"
    }

    public func describe(differingFrom other: CNNSelfAttentionConfiguration) -> String {
        let fields: [(String, String, String)] = [
            ("heads", "\(heads)", "\(other.heads)"), ("attention dropout", "\(attentionDropout)", "\(other.attentionDropout)"),
            ("dense", "\(dense)", "\(other.dense)"), ("activation", activation.rawValue, other.activation.rawValue),
            ("dropout", "\(dropout)", "\(other.dropout)"), ("leads", "\(leads)", "\(other.leads)"),
            ("classes", "\(classes)", "\(other.classes)"),
        ]
        return (["cnn-mhsa widths \(widths)"] + fields.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1)" }).joined(separator: ", ")
    }
}

/// The `cnn-mhsa` network of `CNNSelfAttentionConfiguration` on the model seam.
public final class CNNSelfAttentionNet: ECGModel {
    public let configuration: CNNSelfAttentionConfiguration
    public let parameters: ParameterStore
    public let workspace = Workspace()
    public var precision: ComputePrecision = .float32 {
        didSet { for block in blocks { block.conv.precision = precision } }
    }

    private let channelsLast = ChannelsLast()
    private let blocks: [(conv: Conv1D, norm: BatchNorm1D, pool: MaxPool1D?)]
    private let attention: MultiheadAttention
    private let norm: LayerNorm
    private let pool = AdaptiveAveragePool1D(outputSize: 1)
    private let flatten = Flatten()
    private let dense: [(linear: Linear, dropout: Dropout)]
    private let classifier: Linear
    private var denseInputs: [Tensor] = []

    public init(_ configuration: CNNSelfAttentionConfiguration, seed: UInt64) {
        self.configuration = configuration
        var layout = ParameterLayout()
        var channels = configuration.leads
        var blocks: [(conv: Conv1D, norm: BatchNorm1D, pool: MaxPool1D?)] = []
        for (index, width) in configuration.widths.enumerated() {
            let conv = Conv1D(name: "blocks.\(index).0", inChannels: channels, outChannels: width, kernelSize: 3, padding: 1,
                              layout: &layout, workspace: workspace)
            blocks.append((conv, BatchNorm1D(name: "blocks.\(index).1", channels: width, layout: &layout),
                           index % 2 == 1 ? MaxPool1D(kernelSize: 2, stride: 2) : nil))
            channels = width
        }
        blocks[0].conv.computesInputGradient = false
        self.blocks = blocks
        attention = MultiheadAttention(name: "attention", embedding: channels, heads: configuration.heads,
                                       dropout: configuration.attentionDropout, layout: &layout)
        norm = LayerNorm(name: "norm", channels: channels, layout: &layout)
        dense = configuration.dense.enumerated().map { index, width in
            defer { channels = width }
            return (Linear(name: "dense.\(index)", inFeatures: channels, outFeatures: width, layout: &layout),
                    Dropout(probability: configuration.dropout))
        }
        classifier = Linear(name: "fc", inFeatures: channels, outFeatures: configuration.classes, layout: &layout)
        parameters = ParameterStore(layout: layout, seed: seed)
    }

    public var architecture: ModelConfiguration { .cnnMHSA(configuration) }
    public var input: ModelInput { architecture.input }
    public var classes: Int { configuration.classes }

    public func forward(_ x: Tensor, training: Bool, dropoutKey: UInt64) -> Tensor {
        var h = channelsLast.forward(x)
        for block in blocks {
            h = training ? block.norm.forward(block.conv.forward(h, parameters), parameters, training: true, rectify: true)
                : block.conv.forward(h, parameters, epilogue: block.norm.evaluationEpilogue(parameters, rectify: true))
            if let pool = block.pool { h = pool.forward(h) }
        }
        let attended = attention.forward(h, parameters, training: training, dropoutKey: RandomStream.mix(dropoutKey ^ 1))
        let sum = Tensor(shape: h.shape, values: attended.array)
        Elementwise.add(h, into: sum)
        var features = flatten.forward(pool.forward(norm.forward(sum, parameters)))
        denseInputs = []
        for (index, layer) in dense.enumerated() {
            let z = layer.linear.forward(features, parameters)
            denseInputs.append(z)
            features = layer.dropout.forward(activate(z), training: training, key: RandomStream.mix(dropoutKey ^ UInt64(index + 2)))
        }
        return classifier.forward(features, parameters)
    }

    public func backward(_ dLogits: Tensor, gradientsReady: (Int) -> Void) {
        var g = classifier.backward(dLogits, parameters)
        gradientsReady(classifier.weight.offset)
        for (layer, z) in zip(dense, denseInputs).reversed() {
            g = layer.linear.backward(activationBackward(layer.dropout.backward(g), input: z), parameters)
            gradientsReady(layer.linear.weight.offset)
        }
        let dSum = norm.backward(pool.backward(flatten.backward(g)), parameters)
        gradientsReady(norm.weight.offset)
        var dh = attention.backward(dSum, parameters)
        Elementwise.add(dSum, into: dh)
        gradientsReady(attention.inProjectionWeight.offset)
        for block in blocks.reversed() {
            if let pool = block.pool { dh = pool.backward(dh) }
            dh = block.conv.backward(block.norm.backward(dh, parameters, inPlace: true), parameters)
            gradientsReady(block.conv.weight.offset)
        }
    }

    public func synchronizeBatchNormalization(over group: ProcessGroup?) {
        for block in blocks { block.norm.synchronization = group }
    }

    public func multiplyAccumulates(length: Int) -> Int {
        var (total, current) = (0, length)
        for block in blocks {
            total += block.conv.multiplyAccumulates(length: current)
            current = block.pool?.outputLength(current) ?? current
        }
        total += attention.multiplyAccumulates(steps: current)
        var features = configuration.widths.last!
        for width in configuration.dense + [configuration.classes] {
            total += features * width
            features = width
        }
        return total
    }

    private func activate(_ z: Tensor) -> Tensor {
        switch configuration.activation {
        case .relu: Elementwise.leakyReLU(z, slope: 0)
        case .gelu: Elementwise.gelu(z)
        case .leakyReLU: Elementwise.leakyReLU(z)
        }
    }

    private func activationBackward(_ dy: Tensor, input z: Tensor) -> Tensor {
        switch configuration.activation {
        case .relu: Elementwise.leakyReLUBackward(dy, input: z, slope: 0)
        case .gelu: Elementwise.geluBackward(dy, input: z)
        case .leakyReLU: Elementwise.leakyReLUBackward(dy, input: z)
        }
    }
}

/// The cnn-mhsa inference graph in ONNX operators: Conv → BatchNormalization → Relu blocks (MaxPool after every
/// second), Transpose to `[N, T, C]`, self-attention in MatMul/Softmax added to its input, LayerNormalization,
/// ReduceMean over the steps, the dense layers as Gemm → Relu, GELU (Erf) or LeakyRelu (dropout absent), Gemm.
extension CNNSelfAttentionNet: ONNXGraphDescribing {
    public func describeInference(in graph: inout ONNXGraph, input: String, length: Int) -> String {
        var h = input
        for block in blocks {
            h = graph.relu(graph.batchNormalization(graph.convolution(h, block.conv), block.norm))
            if let pool = block.pool { h = graph.maxPool(h, pool) }
        }
        let sequence = graph.transpose(h, [0, 2, 1])
        let normalized = graph.layerNormalization(graph.add(sequence, graph.selfAttention(sequence, attention)), norm)
        var features = graph.meanOverSteps(normalized)
        for layer in dense {
            let z = graph.linear(features, layer.linear)
            features = switch configuration.activation {
            case .relu: graph.relu(z)
            case .gelu: graph.gelu(z)
            case .leakyReLU: graph.leakyReLU(z, slope: 0.01)
            }
        }
        return graph.linear(features, classifier, output: "logits")
    }
}
