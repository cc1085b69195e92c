import CDNNL

/// 1-D convolution, `y[n, t, o] = b[o] + Σ_{i,k} w[o, i, k] · x[n, t·stride + k − padding, i]`, on
/// channels-last activations (`[N, L, C]`, see `Tensor`) with weights `[out, in, kernel]` as PyTorch's
/// `Conv1d`.
///
/// The arithmetic is oneDNN's (brgconv kernels on `nwc`), through the CDNNL shim. Its primitives are built
/// once per batch size, length and precision and kept; the float32 weights are reordered (and cast to
/// bfloat16 in that precision) into oneDNN's format on every call, and weight gradients come back float32.
/// `Conv1DReference` below is the plain-loop definition it is tested against.
public final class Conv1D {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let weight: ParameterSlot
    public let bias: ParameterSlot?
    /// False for a network's first layer, whose input gradient nobody needs.
    public var computesInputGradient = true
    /// The arithmetic of forward and backward.
    public var precision: ComputePrecision = .float32
    /// In bfloat16, a training forward writes its output as bfloat16 (for a BatchNorm that reads it so), halving the
    /// memory the output holds until backward; as PyTorch's autocast, which rounds every convolution's output.
    public var bfloat16Output = false

    private let workspace: Workspace
    private var input: Tensor?
    private var trainingPrimitive: ConvolutionPrimitive?
    private var primitives: [ConvolutionPrimitive.Key: ConvolutionPrimitive] = [:]
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    /// Primitives kept per layer; more shapes than this (an unusual mix of batch sizes) start the cache
    /// afresh, so a run with many batch sizes does not hold oneDNN buffers for each.
    private static let cachedPrimitives = 4

    public init(name: String, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1,
                padding: Int = 0, bias: Bool = false, layout: inout ParameterLayout, workspace: Workspace) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.workspace = workspace
        weight = layout.addParameter("\(name).weight", shape: [outChannels, inChannels, kernelSize],
                                     initializer: .kaimingNormalFanOut(fanOut: outChannels * kernelSize))
        self.bias = bias
            ? layout.addParameter("\(name).bias", shape: [outChannels],
                                  initializer: .uniform(bound: 1 / Float(inChannels * kernelSize).squareRoot()))
            : nil
    }

    /// Output length for an input of `length` samples.
    public func outputLength(_ length: Int) -> Int {
        (length + 2 * padding - kernelSize) / stride + 1
    }

    /// Multiply-accumulates of one forward pass on one sample of `length`.
    public func multiplyAccumulates(length: Int) -> Int {
        outChannels * inChannels * kernelSize * outputLength(length)
    }

    /// `y = conv(x)` for `x` of `[N, L, inChannels]`, keeping `x` for `backward`. With an `epilogue` (an
    /// evaluation-mode BatchNorm, and the ReLU after it) the result is `epilogue(conv(x))`, computed by
    /// folding the affine map into the weights and bias and the ReLU into oneDNN's post-op; such a forward
    /// has no backward. `x` may be bfloat16 in that precision (read as it is); `y` is bfloat16 in a training
    /// forward with `bfloat16Output`. `destination` (of the output's shape, bfloat16 or not) receives the output
    /// instead of this layer's own storage: where a folded BatchNorm's output would go.
    public func forward(_ x: Tensor, _ store: ParameterStore, epilogue: ChannelEpilogue? = nil,
                        into destination: Tensor? = nil) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[2] == inChannels,
                     "Conv1D expects [N, L, \(inChannels)] (channels last), got \(x.shape)")
        precondition(!x.isBFloat16 || precision == .bfloat16, "Conv1D in \(precision) given a bfloat16 input")
        let (batch, length) = (x.shape[0], x.shape[1])
        let outLength = outputLength(length)
        precondition(outLength > 0, "input of length \(length) is shorter than the kernel")
        let y: Tensor
        if let destination {
            precondition(destination.shape == [batch, outLength, outChannels], "Conv1D destination \(destination.shape)")
            y = destination
        } else {
            y = output.tensor([batch, outLength, outChannels], bfloat16: bfloat16Output && precision == .bfloat16 && epilogue == nil)
        }
        let lowOutput = y.isBFloat16
        precondition(!lowOutput || precision == .bfloat16, "Conv1D in \(precision) given a bfloat16 destination")
        let key = ConvolutionPrimitive.Key(batch: batch, length: length, precision: precision, training: epilogue == nil,
                                           bias: bias != nil || epilogue != nil, rectify: epilogue?.rectify ?? false,
                                           bfloat16Source: x.isBFloat16, bfloat16Output: lowOutput)
        let primitive = self.primitive(key)
        var w = UnsafePointer(store.value(weight))
        var b = bias.map { UnsafePointer(store.value($0)) }
        if let epilogue {
            // BatchNorm folded in: w'[o, i, k] = scale[o]·w[o, i, k], b'[o] = shift[o] + scale[o]·b[o].
            let per = inChannels * kernelSize
            let folded = workspace.scratch(0, count: weight.count + outChannels)
            let foldedBias = folded + weight.count
            for o in 0..<outChannels {
                let scale = epilogue.scale[o]
                for j in 0..<per { folded[o * per + j] = w[o * per + j] * scale }
                foldedBias[o] = epilogue.shift[o] + scale * (b?[o] ?? 0)
            }
            (w, b) = (UnsafePointer(folded), UnsafePointer(foldedBias))
            input = nil
        } else {
            input = x
            trainingPrimitive = primitive
        }
        primitive.check(cdnnl_conv_forward(primitive.handle, x.base, w, b, y.base), "forward")
        return y
    }

    /// Accumulates `dL/dw` (and `dL/db`) and returns `dL/dx` (an empty tensor when
    /// `computesInputGradient` is false), for the last forward without an epilogue.
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        guard let x = input, let primitive = trainingPrimitive else {
            preconditionFailure("Conv1D.backward before a forward without epilogue")
        }
        let (batch, length) = (x.shape[0], x.shape[1])
        precondition(dy.shape == [batch, outputLength(length), outChannels], "Conv1D gradient shape \(dy.shape)")
        let dx = inputGradient.tensor(computesInputGradient ? x.shape : [0])
        primitive.check(cdnnl_conv_backward(primitive.handle, x.base, dy.base, store.value(weight),
                                            computesInputGradient ? dx.base : nil, store.gradient(weight),
                                            bias.map { store.gradient($0) }), "backward")
        return dx
    }

    /// The oneDNN implementations (forward, backward-data, backward-weights, as oneDNN's verbose output names them)
    /// a training pass on `[batch, length, inChannels]` runs: which kernels a shape gets, for tests and diagnosis.
    public func trainingImplementations(batch: Int, length: Int) -> [String] {
        let primitive = primitive(.init(batch: batch, length: length, precision: precision, training: true, bias: bias != nil,
                                        rectify: false))
        return (0..<3).map { String(cString: cdnnl_conv_implementation(primitive.handle, Int32($0))) }
    }

    private func primitive(_ key: ConvolutionPrimitive.Key) -> ConvolutionPrimitive {
        if let cached = primitives[key] { return cached }
        if primitives.count >= Conv1D.cachedPrimitives { primitives.removeAll() }
        let shape = cdnnl_conv_shape(batch: Int32(key.batch), in_channels: Int32(inChannels), out_channels: Int32(outChannels),
                                     length: Int32(key.length), kernel: Int32(kernelSize), stride: Int32(stride),
                                     padding: Int32(padding))
        let made = ConvolutionPrimitive(shape: shape, key: key)
        primitives[key] = made
        return made
    }
}

/// One oneDNN convolution (forward, and in training its two backward passes) for one shape, owned by a
/// `Conv1D`.
final class ConvolutionPrimitive {
    struct Key: Hashable {
        let batch: Int
        let length: Int
        /// 1 for a 1-D convolution; a 2-D one's input height (its `length` is the width).
        var height = 1
        let precision: ComputePrecision
        let training: Bool
        let bias: Bool
        let rectify: Bool
        /// The source the caller holds, and the output the forward writes, are bfloat16 (`cdnnl_activation_types`).
        var bfloat16Source = false
        var bfloat16Output = false

        var activations: Int32 {
            (bfloat16Source ? Int32(CDNNL_SOURCE_BFLOAT16.rawValue) : 0) | (bfloat16Output ? Int32(CDNNL_DESTINATION_BFLOAT16.rawValue) : 0)
        }
    }

    let handle: OpaquePointer
    let key: Key

    convenience init(shape: cdnnl_conv_shape, key: Key) {
        self.init(key: key, shape: "\(shape)") { message, size in
            cdnnl_conv_create(shape, key.precision.cValue, key.training ? 1 : 0, key.bias ? 1 : 0, key.rectify ? 1 : 0,
                              key.activations, message, size)
        }
    }

    /// The primitives `create(message, size)` makes (a 1-D or 2-D shape), or the end of the process with oneDNN's message.
    init(key: Key, shape: String, create: (UnsafeMutablePointer<CChar>, Int) -> OpaquePointer?) {
        var message = [CChar](repeating: 0, count: 256)
        guard let handle = message.withUnsafeMutableBufferPointer({ create($0.baseAddress!, $0.count) }) else {
            fatalError("oneDNN \(ComputePrecision.oneDNNVersion) cannot build a \(key.precision) convolution for \(shape): "
                       + message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        self.handle = handle
        self.key = key
    }

    deinit { cdnnl_conv_destroy(handle) }

    /// Ends the process with the oneDNN status if a call failed (it only fails on a broken installation or
    /// memory exhaustion, which no caller could recover from).
    func check(_ status: Int32, _ what: String) {
        if status != 0 { fatalError("oneDNN convolution \(what) failed with status \(status) (\(key))") }
    }
}

/// A per-output-channel `y = scale·y + shift`, optionally followed by ReLU, that a convolution folds into its
/// weights, bias and oneDNN post-op: how an evaluation-mode BatchNorm (and the ReLU after it) costs no pass.
public struct ChannelEpilogue {
    public let scale: [Float]
    public let shift: [Float]
    public let rectify: Bool

    public init(scale: [Float], shift: [Float], rectify: Bool) {
        precondition(scale.count == shift.count, "epilogue scale and shift differ in length")
        self.scale = scale
        self.shift = shift
        self.rectify = rectify
    }
}

/// The definition of `Conv1D` as plain loops in PyTorch's `[N, C, L]` layout, in Float64 accumulators:
/// the oracle the oneDNN path is tested against (tests reorder to channels-last). Not used in training.
public enum Conv1DReference {
    /// `y[n, o, t]` for `x [N, C, L]`, `w [O, C, K]`, optional `b [O]`.
    public static func forward(x: [Float], batch: Int, inChannels: Int, length: Int, w: [Float], outChannels: Int,
                               kernelSize: Int, stride: Int, padding: Int, b: [Float]?) -> [Float] {
        let outLength = (length + 2 * padding - kernelSize) / stride + 1
        var y = [Float](repeating: 0, count: batch * outChannels * outLength)
        for n in 0..<batch {
            for o in 0..<outChannels {
                for t in 0..<outLength {
                    var sum = Double(b?[o] ?? 0)
                    for i in 0..<inChannels {
                        for k in 0..<kernelSize {
                            let position = t * stride + k - padding
                            guard position >= 0 && position < length else { continue }
                            sum += Double(w[(o * inChannels + i) * kernelSize + k]) * Double(x[(n * inChannels + i) * length + position])
                        }
                    }
                    y[(n * outChannels + o) * outLength + t] = Float(sum)
                }
            }
        }
        return y
    }

    /// `(dx, dw, db)` for upstream gradient `dy [N, O, outLength]`.
    public static func backward(x: [Float], batch: Int, inChannels: Int, length: Int, w: [Float], outChannels: Int,
                                kernelSize: Int, stride: Int, padding: Int, dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
        let outLength = (length + 2 * padding - kernelSize) / stride + 1
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: outChannels)
        for n in 0..<batch {
            for o in 0..<outChannels {
                for t in 0..<outLength {
                    let g = Double(dy[(n * outChannels + o) * outLength + t])
                    db[o] += g
                    for i in 0..<inChannels {
                        for k in 0..<kernelSize {
                            let position = t * stride + k - padding
                            guard position >= 0 && position < length else { continue }
                            let xi = (n * inChannels + i) * length + position
                            let wi = (o * inChannels + i) * kernelSize + k
                            dw[wi] += g * Double(x[xi])
                            dx[xi] += g * Double(w[wi])
                        }
                    }
                }
            }
        }
        return (dx.map(Float.init), dw.map(Float.init), db.map(Float.init))
    }
}
