import Foundation

/// A lower bound of the memory one rank needs for a network, its optimizer state and one batch of activations,
/// computed from the configuration before anything is allocated: a flag that asks for terabytes is refused with
/// the numbers and the flag to change, instead of aborting inside malloc.
public struct MemoryEstimate: Sendable, Equatable {
    /// Learnable parameters and buffers of the network.
    public let parameterCount: Double
    /// Bytes of parameters, their gradients (when training) and buffers.
    public let modelBytes: Double
    /// Bytes of the optimizer's state (Adam's two moments, SGD's momentum).
    public let optimizerBytes: Double
    /// Bytes of the input batch and the activations the forward pass keeps for it.
    public let activationBytes: Double
    public var totalBytes: Double { modelBytes + optimizerBytes + activationBytes }

    /// `samples` windows of `length` samples per rank through `model`; `optimizerBlocks` state blocks of the
    /// parameters' size (0 for inference, which also keeps no gradients and only two layers' activations).
    public init(model: ModelConfiguration, samples: Int, length: Int, optimizerBlocks: Int, training: Bool) {
        let (parameters, buffers, activations) = switch model {
        case let .resnet1D(configuration): Self.resnet1D(configuration, length: Double(length), training: training)
        case let .cnn1D(configuration): Self.cnn1D(configuration, length: Double(length), training: training)
        case let .gruMHA(configuration): Self.recurrentAttention(configuration, gates: 3, length: length)
        case let .lstmMHA(configuration): Self.recurrentAttention(configuration, gates: 4, length: length)
        case let .cnnMHSA(configuration): Self.cnnSelfAttention(configuration, length: length)
        case let .stftCNNGRU(configuration): Self.spectrogramRecurrent(configuration, gates: 3, length: length)
        case let .stftCNNLSTM(configuration): Self.spectrogramRecurrent(configuration, gates: 4, length: length)
        }
        parameterCount = parameters + buffers
        modelBytes = 4 * ((training ? 2 : 1) * parameters + buffers)
        optimizerBytes = 4 * Double(optimizerBlocks) * parameters
        activationBytes = 4 * Double(samples) * (Double(model.leads) * Double(length) + activations)
    }

    /// Parameters, buffers and per-sample activation floats of a CNN1D.
    private static func cnn1D(_ configuration: CNN1DConfiguration, length: Double, training: Bool)
        -> (parameters: Double, buffers: Double, activations: Double) {
        var (parameters, buffers, kept, largest) = (0.0, 0.0, 0.0, 0.0)
        var (channels, position) = (Double(configuration.leads), length)
        for width in configuration.widths.map(Double.init) {
            parameters += channels * width * Double(configuration.kernel) + 3 * width
            buffers += 2 * width
            // Convolution and normalisation outputs, and the pooled one.
            kept += 2.5 * width * position
            largest = max(largest, width * position)
            (channels, position) = (width, (position / 2).rounded(.down))
        }
        let branches = Double(configuration.branches)
        parameters = branches * parameters + (branches * channels + 1) * Double(configuration.classes)
        return (parameters, branches * buffers, training ? branches * kept : 2 * largest)
    }

    /// Parameters and per-sample activation floats of `gru-mha` / `lstm-mha` (kept whether training or not: the layers
    /// reuse their buffers): per step and layer the saved gates, states and projections, and per head the `T × T`
    /// attention weights with their two scratch copies.
    private static func recurrentAttention(_ configuration: RecurrentAttentionConfiguration, gates: Double, length: Int)
        -> (parameters: Double, buffers: Double, activations: Double) {
        let (hidden, layers) = (Double(configuration.hidden), Double(configuration.layers))
        let input = Double(configuration.frame * configuration.leads)
        let steps = Double(length / configuration.frame)
        let parameters = gates * hidden * (input + hidden + 2) + (layers - 1) * gates * hidden * (2 * hidden + 2)
            + 4 * hidden * hidden + 4 * hidden + hidden * Double(configuration.classes) + Double(configuration.classes)
        let recurrent = steps * (layers * 7 * hidden + 2 * gates * hidden + input)
        let attention = steps * 9 * hidden + (Double(configuration.heads) + 2) * steps * steps
        return (parameters, 0, recurrent + attention)
    }

    /// Parameters, buffers and per-sample activation floats of `cnn-mhsa`: per block its convolution, normalisation
    /// and pooling outputs, then the attention's projections and `T × T` weights (with two scratch copies) per head.
    private static func cnnSelfAttention(_ configuration: CNNSelfAttentionConfiguration, length: Int)
        -> (parameters: Double, buffers: Double, activations: Double) {
        var (parameters, buffers, kept) = (0.0, 0.0, 0.0)
        var (channels, steps) = (Double(configuration.leads), Double(length))
        for (index, width) in configuration.widths.map(Double.init).enumerated() {
            parameters += 3 * channels * width + 2 * width
            buffers += 2 * width
            kept += 3 * width * steps
            if index % 2 == 1 { steps = (steps / 2).rounded(.down) }
            channels = width
        }
        parameters += 4 * channels * channels + 6 * channels
        kept += steps * 12 * channels + (Double(configuration.heads) + 2) * steps * steps
        for width in configuration.dense.map(Double.init) + [Double(configuration.classes)] {
            parameters += channels * width + width
            channels = width
        }
        return (parameters, buffers, kept)
    }

    /// Parameters, buffers and per-sample activation floats of `stft-cnn-gru` / `stft-cnn-lstm`: the frames and spectrum
    /// of the transform and its output, per block the convolution and pooling outputs (and the normalised one), then the
    /// recurrent layers as in `recurrentAttention`.
    private static func spectrogramRecurrent(_ configuration: SpectrogramRecurrentConfiguration, gates: Double, length: Int)
        -> (parameters: Double, buffers: Double, activations: Double) {
        let leads = Double(configuration.leads)
        var (bins, frames) = (Double(configuration.nFFT / 2 + 1), Double(1 + length / configuration.hop))
        var kept = leads * frames * (Double(configuration.nFFT) + 3 * bins)
        var (parameters, buffers, channels) = (0.0, 0.0, leads)
        for width in configuration.widths.map(Double.init) {
            parameters += 9 * channels * width + width + (configuration.batchNorm ? 2 * width : 0)
            buffers += configuration.batchNorm ? 2 * width : 0
            kept += (configuration.batchNorm ? 2.5 : 1.5) * width * bins * frames
            (bins, frames, channels) = ((bins / 2).rounded(.down), (frames / 2).rounded(.down), width)
        }
        let (hidden, layers, input) = (Double(configuration.hidden), Double(configuration.layers), channels * bins)
        parameters += gates * hidden * (input + hidden + 2) + (layers - 1) * gates * hidden * (2 * hidden + 2)
            + hidden * Double(configuration.classes) + Double(configuration.classes)
        kept += 2 * input * frames + frames * (layers * 7 * hidden + 2 * gates * hidden)
        return (parameters, buffers, kept)
    }

    /// Parameters, buffers and per-sample activation floats of a ResNet1D (Double: extreme widths must not overflow).
    private static func resnet1D(_ configuration: ResNet1DConfiguration, length: Double, training: Bool)
        -> (parameters: Double, buffers: Double, activations: Double) {
        let widths = configuration.widths.map(Double.init)
        let (stemKernel, kernel) = (Double(configuration.stemKernel), Double(configuration.blockKernel))
        var parameters = Double(configuration.leads) * widths[0] * stemKernel + 2 * widths[0]
        var buffers = 2 * widths[0]
        var position = (length / Double(max(1, configuration.stemStride))).rounded(.up)
        // Stem: convolution, normalisation and ReLU outputs are kept for backward.
        var kept = 3 * widths[0] * position
        var largest = widths[0] * position
        position = (position / 2).rounded(.up)
        var channels = widths[0]
        for (stage, (count, width)) in zip(configuration.depth.blocksPerStage, widths).enumerated() {
            for index in 0..<count {
                let stride = index == 0 && stage > 0 ? 2.0 : 1.0
                parameters += channels * width * kernel + width * width * kernel + 4 * width
                if let reduction = configuration.squeezeExcitation {
                    let hidden = max(1, (width / Double(reduction)).rounded(.down))
                    parameters += 2 * width * hidden + hidden + width
                }
                buffers += 4 * width
                if stride != 1 || channels != width {
                    parameters += channels * width + 2 * width
                    buffers += 2 * width
                }
                position = (position / stride).rounded(.up)
                // Two convolutions, two normalisations, two ReLUs (and the sum) per block, and the gate's output.
                kept += (configuration.squeezeExcitation == nil ? 6 : 7) * width * position
                largest = max(largest, width * position)
                channels = width
            }
        }
        parameters += channels * Double(configuration.classes) + Double(configuration.classes)
        return (parameters, buffers, training ? kept : 2 * largest)
    }

    /// The memory one of `ranksOnNode` ranks may use: the machine's physical memory shared evenly.
    public static func budget(ranksOnNode: Int) -> Double {
        Double(ProcessInfo.processInfo.physicalMemory) / Double(max(1, ranksOnNode))
    }

    /// Throws unless the estimate fits `budget` bytes; the error names the flags that decide the largest part.
    public func require(fitting budget: Double, ranksOnNode: Int, batch: String) throws(MemoryEstimateError) {
        guard totalBytes > budget else { return }
        throw MemoryEstimateError(estimate: self, budget: budget, ranksOnNode: ranksOnNode, batch: batch)
    }
}

/// A run would need more memory than the machine has for a rank.
public struct MemoryEstimateError: Error, CustomStringConvertible, Sendable, Equatable {
    public let estimate: MemoryEstimate
    public let budget: Double
    public let ranksOnNode: Int
    /// The batch as the caller's flags name it, e.g. "4 samples per rank x 12 leads x 5000 samples (--batch-size, --length)".
    public let batch: String

    public var description: String {
        func gib(_ bytes: Double) -> String {
            bytes >= 1e15 ? String(format: "%.3g GiB", bytes / 1_073_741_824) : String(format: "%.1f GiB", bytes / 1_073_741_824)
        }
        let model = estimate.modelBytes + estimate.optimizerBytes
        let advice = model >= estimate.activationBytes
            ? "Use smaller --widths (or a smaller --model / --model-configuration)"
            : "Use a smaller --length or --batch-size (or smaller --widths)"
        return "this run needs at least \(gib(estimate.totalBytes)) per rank (network of "
            + String(format: "%.3g", estimate.parameterCount) + " parameters and buffers \(gib(estimate.modelBytes)), optimizer "
            + "state \(gib(estimate.optimizerBytes)), activations of \(batch) \(gib(estimate.activationBytes))), but the "
            + "machine has \(gib(budget)) for each of the \(ranksOnNode) rank(s) on this node. \(advice), or run fewer "
            + "ranks per node."
    }
}
