import DistTensor

/// The multi-label 1-D ResNet of DESIGN.md §8: stem convolution, BatchNorm, ReLU and max-pool,
/// stages of BasicBlocks (with a squeeze-and-excitation gate each in an SE-ResNet), global average pooling and a
/// linear classifier.
///
/// All parameters live in one `ParameterStore`, named as the PyTorch reference's `state_dict`
/// (`stem.0.weight`, `body.3.down.1.running_var`, `fc.bias`), so checkpoints and reference
/// numbers map one to one. Forward and backward are explicit, in reverse order of each other.
public final class ResNet1D {
    public let configuration: ResNet1DConfiguration
    public let parameters: ParameterStore
    public let workspace = Workspace()
    /// The convolutions' arithmetic (float32 master weights, gradients and statistics either way). In bfloat16 the
    /// inside of a block is bfloat16 in training, as PyTorch's autocast keeps it: each convolution writes its output
    /// so, each block's first BatchNorm reads it and writes its (ReLU'd, dropped-out) output so, and the second
    /// convolution reads that as it is; the residual stream (block outputs, shortcut sums) stays float32.
    public var precision: ComputePrecision = .float32 {
        didSet {
            let low = precision == .bfloat16
            for conv in convolutions { (conv.precision, conv.bfloat16Output) = (precision, low) }
            for block in blocks { block.norm1.bfloat16Output = low }
        }
    }

    private let channelsLast = ChannelsLast()

    let stemConv: Conv1D
    let stemNorm: BatchNorm1D
    let stemPool: MaxPool1D
    let blocks: [BasicBlock1D]
    private let pool = AdaptiveAveragePool1D(outputSize: 1)
    private let flatten = Flatten()
    let classifier: Linear

    /// Builds the network and initialises its parameters from `seed` (Kaiming-normal fan-out
    /// for convolutions, PyTorch's defaults for BatchNorm and the classifier).
    public init(_ configuration: ResNet1DConfiguration, seed: UInt64) {
        self.configuration = configuration
        var layout = ParameterLayout()
        stemConv = Conv1D(name: "stem.0", inChannels: configuration.leads, outChannels: configuration.widths[0],
                          kernelSize: configuration.stemKernel, stride: configuration.stemStride,
                          padding: configuration.stemKernel / 2, layout: &layout, workspace: workspace)
        stemConv.computesInputGradient = false
        stemNorm = BatchNorm1D(name: "stem.1", channels: configuration.widths[0], layout: &layout)
        stemPool = MaxPool1D(kernelSize: 3, stride: 2, padding: 1)
        var blocks: [BasicBlock1D] = []
        var channels = configuration.widths[0]
        for (stage, (count, width)) in zip(configuration.depth.blocksPerStage, configuration.widths).enumerated() {
            for index in 0..<count {
                let stride = index == 0 && stage > 0 ? 2 : 1
                blocks.append(BasicBlock1D(name: "body.\(blocks.count)", inChannels: channels, outChannels: width,
                                           stride: stride, kernel: configuration.blockKernel,
                                           dropout: configuration.dropout, squeezeExcitation: configuration.squeezeExcitation,
                                           layout: &layout, workspace: workspace))
                channels = width
            }
        }
        self.blocks = blocks
        classifier = Linear(name: "fc", inFeatures: channels, outFeatures: configuration.classes, layout: &layout)
        parameters = ParameterStore(layout: layout, seed: seed)
    }

    /// Logits `[N, classes]` for `x` of `[N, leads, L]`, reordered once to the channels-last layout the
    /// layers work in. In training, BatchNorm uses batch statistics and dropout draws its masks from
    /// `dropoutKey`.
    public func forward(_ input: Tensor, training: Bool, dropoutKey: UInt64 = 0) -> Tensor {
        precondition(input.shape.count == 3 && input.shape[1] == configuration.leads,
                     "ResNet1D expects [N, \(configuration.leads), L], got \(input.shape)")
        let x = channelsLast.forward(input)
        let stem: Tensor
        if training {
            stem = stemNorm.forward(stemConv.forward(x, parameters), parameters, training: true, rectify: true)
        } else {
            stem = stemConv.forward(x, parameters, epilogue: stemNorm.evaluationEpilogue(parameters, rectify: true),
                                    into: stemNorm.outputTensor([x.shape[0], stemConv.outputLength(x.shape[1]), stemConv.outChannels]))
        }
        var h = stemPool.forward(stem)
        for (index, block) in blocks.enumerated() {
            h = block.forward(h, parameters, training: training,
                              dropoutKey: RandomStream.mix(dropoutKey ^ UInt64(index + 1)))
        }
        return classifier.forward(flatten.forward(pool.forward(h)), parameters)
    }

    /// Accumulates every parameter gradient for `dLogits`, the gradient of the loss with
    /// respect to the last training forward's logits. `gradientsReady(offset)` is called whenever every
    /// gradient from `offset` to the end of the parameter block is final (for overlapping all-reduce).
    public func backward(_ dLogits: Tensor, gradientsReady: (Int) -> Void = { _ in }) {
        var g = pool.backward(flatten.backward(classifier.backward(dLogits, parameters)))
        gradientsReady(classifier.weight.offset)
        for block in blocks.reversed() {
            g = block.backward(g, parameters)
            gradientsReady(block.conv1.weight.offset)
        }
        _ = stemConv.backward(stemNorm.backward(stemPool.backward(g), parameters, inPlace: true), parameters)
        gradientsReady(0)
    }

    /// Makes every BatchNorm compute its training statistics over all ranks of `group` (sync BN), or
    /// over this rank's batch alone when `group` is nil (PyTorch DDP's default).
    public func synchronizeBatchNormalization(over group: ProcessGroup?) {
        var layers = [stemNorm]
        for block in blocks {
            layers += [block.norm1, block.norm2]
            if let down = block.downsample { layers.append(down.norm) }
        }
        for layer in layers { layer.synchronization = group }
    }

    /// Every convolution, stem first.
    private var convolutions: [Conv1D] {
        [stemConv] + blocks.flatMap { [$0.conv1, $0.conv2] + ($0.downsample.map { [$0.conv] } ?? []) }
    }

    /// Multiply-accumulates of one forward pass on one sample of `length` (convolutions and
    /// classifier; BatchNorm, pooling and activations are not counted).
    public func multiplyAccumulates(length: Int) -> Int {
        var total = stemConv.multiplyAccumulates(length: length)
        var current = stemPool.outputLength(stemConv.outputLength(length))
        for block in blocks {
            total += block.conv1.multiplyAccumulates(length: current)
            let next = block.conv1.outputLength(current)
            total += block.conv2.multiplyAccumulates(length: next)
            if let down = block.downsample { total += down.conv.multiplyAccumulates(length: current) }
            current = next
        }
        return total + classifier.inFeatures * classifier.outFeatures
    }
}

/// ResNet1D's inference graph in ONNX operators, from its own layers: stem Conv → BatchNormalization → Relu →
/// MaxPool, each BasicBlock as Conv → BatchNormalization → Relu → Conv → BatchNormalization (→ the
/// squeeze-and-excitation gate of an SE-ResNet: GlobalAveragePool → Gemm → Relu → Gemm → Sigmoid → Mul) plus its
/// shortcut (identity, or Conv 1×1 → BatchNormalization), Add → Relu, then GlobalAveragePool → Flatten → Gemm.
/// Dropout is absent (inference), BatchNorm uses the running statistics.
extension ResNet1D: ONNXGraphDescribing {
    public func describeInference(in graph: inout ONNXGraph, input: String, length: Int) -> String {
        var h = graph.maxPool(graph.relu(graph.batchNormalization(graph.convolution(input, stemConv), stemNorm)), stemPool)
        for block in blocks {
            let inner = graph.relu(graph.batchNormalization(graph.convolution(h, block.conv1), block.norm1))
            var residual = graph.batchNormalization(graph.convolution(inner, block.conv2), block.norm2)
            if let excitation = block.excitation { residual = graph.squeezeExcitation(residual, excitation) }
            let shortcut = block.downsample.map { graph.batchNormalization(graph.convolution(h, $0.conv), $0.norm) } ?? h
            h = graph.relu(graph.add(residual, shortcut))
        }
        return graph.linear(graph.globalAveragePool(h), classifier, output: "logits")
    }
}
