import DistTensor

/// `gru-mha` and `lstm-mha`: recurrent layers followed by multi-head self-attention over time, then a linear
/// classifier, after the GRU/LSTM + attention models of the MIT-BIH beat studies this project grew from (DESIGN.md
/// §9; there on single beats, 5 classes). Layers, with `T = ⌊L / frame⌋`:
///
/// 1. framing: `[N, leads, L]` → `[N, T, frame·leads]`, each step the next `frame` samples of every lead (no
///    parameters; PyTorch `x[..., :T·frame].transpose(1, 2).reshape(N, T, frame·leads)`), so a 10-s window is a few
///    hundred steps rather than thousands;
/// 2. `gru` / `lstm`: `nn.GRU` / `nn.LSTM(frame·leads, hidden, layers, batch_first=True, dropout=dropout)`;
/// 3. `attention`: `nn.MultiheadAttention(hidden, heads, dropout=attentionDropout, batch_first=True)` on the
///    hidden states (query = key = value);
/// 4. mean over the `T` steps;
/// 5. `fc`: `nn.Linear(hidden, classes)`.
///
/// Defaults: frame 10 (30 steps per second at 300 Hz, 50 at 500 Hz), hidden 64, 2 layers, 4 heads (hidden must be
/// divisible by them), dropout 0.2 between the recurrent layers, attention dropout 0.1, 1 lead, 4 classes (the
/// CinC 2017 task): 56,452 parameters for the GRU, 69,636 for the LSTM. The recurrent and attention layers run in
/// float32 under `--precision bf16` too (they are GEMMs and loops of ours, not oneDNN primitives).
public struct RecurrentAttentionConfiguration: Sendable, Equatable, Codable {
    public var leads: Int
    public var classes: Int
    /// Samples per lead and recurrent step.
    public var frame: Int
    public var hidden: Int
    public var layers: Int
    public var heads: Int
    /// Dropout between recurrent layers.
    public var dropout: Float
    /// Dropout on the attention weights.
    public var attentionDropout: Float

    public init(leads: Int = 1, classes: Int = 4, frame: Int = 10, hidden: Int = 64, layers: Int = 2, heads: Int = 4,
                dropout: Float = 0.2, attentionDropout: Float = 0.1) {
        precondition(leads > 0 && classes > 0 && frame > 0 && layers > 0 && hidden > 0 && heads > 0 && hidden % heads == 0,
                     "recurrent-attention sizes must be positive and hidden (\(hidden)) divisible by heads (\(heads))")
        (self.leads, self.classes, self.frame, self.hidden, self.layers, self.heads) = (leads, classes, frame, hidden, layers, heads)
        (self.dropout, self.attentionDropout) = (dropout, attentionDropout)
    }

    /// Every field on one line, after the architecture's name.
    public func summary(_ name: String) -> String {
        "\(name) frame \(frame), hidden \(hidden), \(layers) layers, \(heads) heads, dropout \(dropout), attention dropout "
            + "\(attentionDropout), \(leads) leads, \(classes) classes"
    }

    /// `name hidden H`, followed by every field that differs from `other`.
    public func describe(_ name: String, differingFrom other: RecurrentAttentionConfiguration) -> String {
        let fields: [(String, String, String)] = [
            ("frame", "\(frame)", "\(other.frame)"), ("layers", "\(layers)", "\(other.layers)"),
            ("heads", "\(heads)", "\(other.heads)"), ("dropout", "\(dropout)", "\(other.dropout)"),
            ("attention dropout", "\(attentionDropout)", "\(other.attentionDropout)"),
            ("leads", "\(leads)", "\(other.leads)"), ("classes", "\(classes)", "\(other.classes)"),
        ]
        return (["\(name) hidden \(hidden)"] + fields.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1)" }).joined(separator: ", ")
    }
}

/// The `gru-mha` / `lstm-mha` network of `RecurrentAttentionConfiguration` on the model seam.
public final class RecurrentAttentionNet: ECGModel {
    public let configuration: RecurrentAttentionConfiguration
    public let cell: Recurrent.Cell
    public let parameters: ParameterStore
    /// Recorded only: every layer here runs in float32 (see the configuration's documentation).
    public var precision: ComputePrecision = .float32

    private let recurrent: Recurrent
    private let attention: MultiheadAttention
    private let pool = AdaptiveAveragePool1D(outputSize: 1)
    private let flatten = Flatten()
    private let classifier: Linear
    private var framed: Tensor?

    public init(_ configuration: RecurrentAttentionConfiguration, cell: Recurrent.Cell, seed: UInt64) {
        self.configuration = configuration
        self.cell = cell
        var layout = ParameterLayout()
        recurrent = Recurrent(name: cell.rawValue, cell: cell, inputSize: configuration.frame * configuration.leads,
                              hiddenSize: configuration.hidden, layers: configuration.layers, dropout: configuration.dropout,
                              layout: &layout)
        recurrent.computesInputGradient = false
        attention = MultiheadAttention(name: "attention", embedding: configuration.hidden, heads: configuration.heads,
                                       dropout: configuration.attentionDropout, layout: &layout)
        classifier = Linear(name: "fc", inFeatures: configuration.hidden, outFeatures: configuration.classes, layout: &layout)
        parameters = ParameterStore(layout: layout, seed: seed)
    }

    public var architecture: ModelConfiguration { cell == .gru ? .gruMHA(configuration) : .lstmMHA(configuration) }
    public var input: ModelInput { architecture.input }
    public var classes: Int { configuration.classes }

    public func forward(_ x: Tensor, training: Bool, dropoutKey: UInt64) -> Tensor {
        let h = recurrent.forward(frames(x), parameters, training: training, dropoutKey: RandomStream.mix(dropoutKey ^ 1))
        let a = attention.forward(h, parameters, training: training, dropoutKey: RandomStream.mix(dropoutKey ^ 2))
        return classifier.forward(flatten.forward(pool.forward(a)), parameters)
    }

    public func backward(_ dLogits: Tensor, gradientsReady: (Int) -> Void) {
        let dPooled = classifier.backward(dLogits, parameters)
        gradientsReady(classifier.weight.offset)
        let dh = attention.backward(pool.backward(flatten.backward(dPooled)), parameters)
        gradientsReady(attention.inProjectionWeight.offset)
        _ = recurrent.backward(dh, parameters)
        gradientsReady(0)
    }

    public func synchronizeBatchNormalization(over group: ProcessGroup?) {}

    public func multiplyAccumulates(length: Int) -> Int {
        let steps = length / configuration.frame
        return recurrent.multiplyAccumulates(steps: steps) + attention.multiplyAccumulates(steps: steps)
            + configuration.hidden * configuration.classes
    }

    /// `[N, leads, L]` → `[N, ⌊L / frame⌋, frame·leads]`: `y[n, t, j·leads + c] = x[n, c, t·frame + j]`.
    private func frames(_ x: Tensor) -> Tensor {
        let (leads, frame) = (configuration.leads, configuration.frame)
        precondition(x.shape.count == 3 && x.shape[1] == leads, "\(cell.rawValue)-mha expects [N, \(leads), L], got \(x.shape)")
        let (batch, length) = (x.shape[0], x.shape[2])
        let steps = length / frame
        precondition(steps > 0, "a window of \(length) samples is shorter than one frame of \(frame)")
        let y = framed?.shape == [batch, steps, frame * leads] ? framed! : Tensor(zeros: [batch, steps, frame * leads])
        framed = y
        for n in 0..<batch {
            let (source, target) = (x.base + n * leads * length, y.base + n * steps * frame * leads)
            for c in 0..<leads {
                for s in 0..<(steps * frame) { target[s * leads + c] = source[c * length + s] }
            }
        }
        return y
    }
}

/// The gru-mha / lstm-mha inference graph in ONNX operators: the framing as Slice (whole frames of the window) →
/// Transpose → Reshape `[N, T, frame·leads]`, the recurrent stack as ONNX GRU / LSTM nodes (no dropout between
/// them in inference), self-attention in MatMul/Softmax, ReduceMean over the steps, Gemm.
extension RecurrentAttentionNet: ONNXGraphDescribing {
    public func describeInference(in graph: inout ONNXGraph, input: String, length: Int) -> String {
        let (leads, frame) = (configuration.leads, configuration.frame)
        let steps = length / frame
        let whole = steps * frame == length ? input : graph.slice(input, samples: 0..<(steps * frame))
        let framed = graph.reshape(graph.transpose(whole, [0, 2, 1]), [0, steps, frame * leads])
        let attended = graph.selfAttention(graph.recurrent(framed, recurrent), attention)
        return graph.linear(graph.meanOverSteps(attended), classifier, output: "logits")
    }
}
