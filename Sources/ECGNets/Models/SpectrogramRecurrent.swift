import DistTensor

/// `stft-cnn-gru` and `stft-cnn-lstm`: a magnitude spectrogram, a small 2-D CNN over it, a GRU or LSTM over its time
/// frames and a linear classifier on the last hidden state, after the STFT-CNN-GRU (tuned) and STFT-CNN-LSTM (compared
/// with the 1-D ResNet) of the single-lead CinC 2017 studies this project grew from (DESIGN.md §9). Layers, in PyTorch
/// terms (`x` of `[N, leads, L]`):
///
/// 1. `torch.stft(x, nFFT, hop, window=torch.hann_window(nFFT), center=True, return_complex=True).abs()`, then
///    `log1p` when `logarithmic`: `[N, leads, F, T]` with `F = nFFT/2 + 1`, `T = 1 + ⌊L / hop⌋` (no parameters);
/// 2. `blocks.i` for each of `widths`: `Conv2d(k3, p1)` → (`BatchNorm2d` when `batchNorm`) → ReLU → `MaxPool2d(2)`;
/// 3. features per frame: `permute(0, 3, 1, 2).flatten(2)`, `[N, T', widths.last · F']` (channel-major per frame);
/// 4. `gru` / `lstm`: `nn.GRU` / `nn.LSTM(widths.last · F', hidden, layers, batch_first=True)`;
/// 5. the last step's hidden state → `nn.Dropout(dropout)` → `fc`: `nn.Linear(hidden, classes)`.
///
/// Defaults (the studies'): n_fft 256, hop 128, log1p, widths 16, 32, hidden 128, one layer, 1 lead, 4 classes; the
/// GRU network without BatchNorm and dropout 0.5 (`nn.Dropout`'s default: the study names no rate), the LSTM network
/// with BatchNorm and dropout 0.4. A 10-s window at 300 Hz (3,000 samples) is 129 × 24 bins, 32 × 6 after the two
/// pools, so the recurrent layer reads 6 frames of 1,024 features: 448,452 parameters (GRU), 596,260 (LSTM), as PyTorch counts them. The
/// convolutions follow `--precision` (oneDNN bfloat16); the spectrogram, BatchNorm, pooling, recurrent and linear
/// layers stay float32.
public struct SpectrogramRecurrentConfiguration: Sendable, Equatable, Codable {
    public var leads: Int
    public var classes: Int
    public var nFFT: Int
    public var hop: Int
    /// `log1p` of the magnitude.
    public var logarithmic: Bool
    public var widths: [Int]
    public var batchNorm: Bool
    public var hidden: Int
    public var layers: Int
    /// Dropout on the last hidden state (and between recurrent layers when there are several).
    public var dropout: Float

    public init(leads: Int = 1, classes: Int = 4, nFFT: Int = 256, hop: Int = 128, logarithmic: Bool = true,
                widths: [Int] = [16, 32], batchNorm: Bool, hidden: Int = 128, layers: Int = 1, dropout: Float) {
        precondition(leads > 0 && classes > 0 && nFFT >= 2 && nFFT % 2 == 0 && hop > 0 && !widths.isEmpty
                     && widths.allSatisfy { $0 > 0 } && hidden > 0 && layers > 0 && dropout >= 0 && dropout < 1,
                     "stft-cnn sizes must be positive, n_fft even and dropout in [0, 1)")
        (self.leads, self.classes, self.nFFT, self.hop, self.logarithmic) = (leads, classes, nFFT, hop, logarithmic)
        (self.widths, self.batchNorm, self.hidden, self.layers, self.dropout) = (widths, batchNorm, hidden, layers, dropout)
    }

    /// `stft-cnn-gru`'s preset.
    public static let gru = SpectrogramRecurrentConfiguration(batchNorm: false, dropout: 0.5)
    /// `stft-cnn-lstm`'s preset.
    public static let lstm = SpectrogramRecurrentConfiguration(batchNorm: true, dropout: 0.4)

    /// Frequency bins after the convolution blocks (each halves them, rounding down).
    public var pooledBins: Int { widths.reduce(nFFT / 2 + 1) { size, _ in size / 2 } }

    /// Every field on one line, after the architecture's name.
    public func summary(_ name: String) -> String {
        "\(name) n_fft \(nFFT), hop \(hop)\(logarithmic ? ", log1p" : ""), widths \(widths)\(batchNorm ? " with BatchNorm" : ""), "
            + "hidden \(hidden), \(layers) layers, dropout \(dropout), \(leads) leads, \(classes) classes"
    }

    /// `name widths W`, followed by every field that differs from `other`.
    public func describe(_ name: String, differingFrom other: SpectrogramRecurrentConfiguration) -> String {
        let fields: [(String, String, String)] = [
            ("n_fft", "\(nFFT)", "\(other.nFFT)"), ("hop", "\(hop)", "\(other.hop)"),
            ("log1p", "\(logarithmic)", "\(other.logarithmic)"), ("BatchNorm", "\(batchNorm)", "\(other.batchNorm)"),
            ("hidden", "\(hidden)", "\(other.hidden)"), ("layers", "\(layers)", "\(other.layers)"),
            ("dropout", "\(dropout)", "\(other.dropout)"), ("leads", "\(leads)", "\(other.leads)"),
            ("classes", "\(classes)", "\(other.classes)"),
        ]
        return (["\(name) widths \(widths)"] + fields.filter { $0.1 != $0.2 }.map { "\($0.0) \($0.1)" }).joined(separator: ", ")
    }
}

/// The `stft-cnn-gru` / `stft-cnn-lstm` network of `SpectrogramRecurrentConfiguration` on the model seam.
///
/// BatchNorm2d is `BatchNorm1D` on the `[N, H·W, C]` view of a channels-last `[N, H, W, C]` tensor: both normalise each
/// channel over the batch and every position, with the same statistics and names.
public final class SpectrogramRecurrentNet: ECGModel {
    public let configuration: SpectrogramRecurrentConfiguration
    public let cell: Recurrent.Cell
    public let parameters: ParameterStore
    public var precision: ComputePrecision = .float32 {
        didSet { for block in blocks { block.conv.precision = precision } }
    }

    private let spectrogram: Spectrogram
    private let blocks: [(conv: Conv2D, norm: BatchNorm1D?, pool: MaxPool2D)]
    private let recurrent: Recurrent
    private let dropout: Dropout
    private let classifier: Linear
    /// Per block the rectified output (ReLU's backward needs it) when there is no BatchNorm.
    private var rectified: [Tensor] = []
    private var pooledShape: [Int] = []
    /// Reused from step to step (reallocated when the shape changes): frames, the last state, and their gradients.
    private var buffers: [String: Tensor] = [:]
    private var steps = 0

    public init(_ configuration: SpectrogramRecurrentConfiguration, cell: Recurrent.Cell, seed: UInt64) {
        self.configuration = configuration
        self.cell = cell
        spectrogram = Spectrogram(nFFT: configuration.nFFT, hop: configuration.hop, logarithmic: configuration.logarithmic)
        var layout = ParameterLayout()
        var channels = configuration.leads
        blocks = configuration.widths.enumerated().map { index, width in
            defer { channels = width }
            return (Conv2D(name: "blocks.\(index).0", inChannels: channels, outChannels: width, kernelSize: 3, padding: 1,
                           layout: &layout),
                    configuration.batchNorm ? BatchNorm1D(name: "blocks.\(index).1", channels: width, layout: &layout) : nil,
                    MaxPool2D(kernelSize: 2))
        }
        blocks[0].conv.computesInputGradient = false
        recurrent = Recurrent(name: cell.rawValue, cell: cell, inputSize: channels * configuration.pooledBins,
                              hiddenSize: configuration.hidden, layers: configuration.layers, dropout: configuration.dropout,
                              layout: &layout)
        dropout = Dropout(probability: configuration.dropout)
        classifier = Linear(name: "fc", inFeatures: configuration.hidden, outFeatures: configuration.classes, layout: &layout)
        parameters = ParameterStore(layout: layout, seed: seed)
    }

    public var architecture: ModelConfiguration { cell == .gru ? .stftCNNGRU(configuration) : .stftCNNLSTM(configuration) }
    public var input: ModelInput { architecture.input }
    public var classes: Int { configuration.classes }

    public func forward(_ x: Tensor, training: Bool, dropoutKey: UInt64) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[1] == configuration.leads,
                     "\(architecture.architecture) expects [N, \(configuration.leads), L], got \(x.shape)")
        var h = spectrogram.forward(x)
        rectified = []
        for block in blocks {
            let z = block.conv.forward(h, parameters, training: training)
            if let norm = block.norm {
                let flat = Tensor(shape: [z.shape[0], z.shape[1] * z.shape[2], z.shape[3]], storage: z.storage)
                h = Tensor(shape: z.shape, storage: norm.forward(flat, parameters, training: training, rectify: true).storage)
            } else {
                ReLU.forward(inPlace: z)
                rectified.append(z)
                h = z
            }
            h = block.pool.forward(h)
        }
        pooledShape = h.shape
        let states = recurrent.forward(framesOf(h), parameters, training: training, dropoutKey: RandomStream.mix(dropoutKey ^ 1))
        let last = buffer("last", [states.shape[0], states.shape[2]])
        for n in 0..<states.shape[0] {
            last.base.advanced(by: n * states.shape[2]).update(from: states.base + (n * steps + steps - 1) * states.shape[2],
                                                               count: states.shape[2])
        }
        return classifier.forward(dropout.forward(last, training: training, key: RandomStream.mix(dropoutKey ^ 2)), parameters)
    }

    public func backward(_ dLogits: Tensor, gradientsReady: (Int) -> Void) {
        let dLast = dropout.backward(classifier.backward(dLogits, parameters))
        gradientsReady(classifier.weight.offset)
        let (batch, hidden) = (dLast.shape[0], dLast.shape[1])
        let dStates = buffer("dStates", [batch, steps, hidden])
        dStates.base.update(repeating: 0, count: dStates.count)
        for n in 0..<batch {
            (dStates.base + (n * steps + steps - 1) * hidden).update(from: dLast.base + n * hidden, count: hidden)
        }
        var dh = framesBackward(recurrent.backward(dStates, parameters))
        gradientsReady(recurrent.slots[0].weightIH.offset)
        for (index, block) in blocks.enumerated().reversed() {
            dh = block.pool.backward(dh)
            if let norm = block.norm {
                let flat = Tensor(shape: [dh.shape[0], dh.shape[1] * dh.shape[2], dh.shape[3]], storage: dh.storage)
                dh = Tensor(shape: dh.shape, storage: norm.backward(flat, parameters, inPlace: true).storage)
            } else {
                ReLU.backward(inPlace: dh, output: rectified[index])
            }
            dh = block.conv.backward(dh, parameters)
            gradientsReady(block.conv.weight.offset)
        }
    }

    public func synchronizeBatchNormalization(over group: ProcessGroup?) {
        for block in blocks { block.norm?.synchronization = group }
    }

    public func multiplyAccumulates(length: Int) -> Int {
        var (height, width) = (spectrogram.bins, spectrogram.frameCount(length))
        var total = configuration.leads * spectrogram.multiplyAccumulates(length: length)
        for block in blocks {
            total += block.conv.multiplyAccumulates(height: height, width: width)
            (height, width) = (block.pool.outputSize(height), block.pool.outputSize(width))
        }
        return total + recurrent.multiplyAccumulates(steps: width) + configuration.hidden * configuration.classes
    }

    /// The buffer `name` of `shape` (contents unspecified).
    private func buffer(_ name: String, _ shape: [Int]) -> Tensor {
        if let kept = buffers[name], kept.shape == shape { return kept }
        let fresh = Tensor(zeros: shape)
        buffers[name] = fresh
        return fresh
    }

    /// `[N, F', T', C]` → `[N, T', C·F']`: `y[n, t, c·F' + f] = x[n, f, t, c]` (PyTorch's `permute(0, 3, 1, 2).flatten(2)`
    /// of `[N, C, F', T']`).
    private func framesOf(_ x: Tensor) -> Tensor {
        let (batch, bins, frames, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        precondition(frames > 0, "\(architecture.architecture): the window is too short for a frame after the pooling")
        steps = frames
        let y = buffer("frames", [batch, frames, channels * bins])
        for n in 0..<batch {
            let (source, target) = (x.base + n * bins * frames * channels, y.base + n * frames * channels * bins)
            for f in 0..<bins {
                for t in 0..<frames {
                    for c in 0..<channels { target[(t * channels + c) * bins + f] = source[(f * frames + t) * channels + c] }
                }
            }
        }
        return y
    }

    /// The gradient of `framesOf`: `dx[n, f, t, c] = dy[n, t, c·F' + f]`.
    private func framesBackward(_ dy: Tensor) -> Tensor {
        let (batch, bins, frames, channels) = (pooledShape[0], pooledShape[1], pooledShape[2], pooledShape[3])
        let dx = buffer("dFrames", pooledShape)
        for n in 0..<batch {
            let (source, target) = (dy.base + n * bins * frames * channels, dx.base + n * bins * frames * channels)
            for f in 0..<bins {
                for t in 0..<frames {
                    for c in 0..<channels { target[(f * frames + t) * channels + c] = source[(t * channels + c) * bins + f] }
                }
            }
        }
        return dx
    }
}
