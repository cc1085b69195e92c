import CDNNL

/// 2-D convolution with a square kernel, `y[n, h, w, o] = b[o] + Σ_{i,p,q} w[o, i, p, q] · x[n, h·s + p − pad, w·s + q − pad, i]`,
/// on channels-last activations `[N, H, W, C]` (oneDNN's `nhwc`, the 2-D form of `Tensor`'s layout) with weights
/// `[out, in, k, k]` as PyTorch's `Conv2d` (its default uniform initialisation, bias included): the spectrogram CNNs'
/// convolution, whose `H` is frequency and `W` time.
///
/// The arithmetic is oneDNN's through the same shim primitives as `Conv1D` (`cdnnl_conv2d_create`), built once per
/// batch size, height, width and precision; `Conv2DReference` below is the plain-loop definition it is tested against.
public final class Conv2D {
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

    private var input: Tensor?
    private var trainingPrimitive: ConvolutionPrimitive?
    private var primitives: [ConvolutionPrimitive.Key: ConvolutionPrimitive] = [:]
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(name: String, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, layout: inout ParameterLayout) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0)
        (self.inChannels, self.outChannels, self.kernelSize, self.stride, self.padding) =
            (inChannels, outChannels, kernelSize, stride, padding)
        // PyTorch's Conv2d.reset_parameters: kaiming_uniform(a = √5) is uniform ±1/√fan_in, and so is the bias.
        let bound = 1 / Float(inChannels * kernelSize * kernelSize).squareRoot()
        weight = layout.addParameter("\(name).weight", shape: [outChannels, inChannels, kernelSize, kernelSize],
                                     initializer: .uniform(bound: bound))
        self.bias = bias ? layout.addParameter("\(name).bias", shape: [outChannels], initializer: .uniform(bound: bound)) : nil
    }

    /// Output size along one axis of `size`.
    public func outputSize(_ size: Int) -> Int { (size + 2 * padding - kernelSize) / stride + 1 }

    /// Multiply-accumulates of one forward pass on one `height × width` input.
    public func multiplyAccumulates(height: Int, width: Int) -> Int {
        outChannels * inChannels * kernelSize * kernelSize * outputSize(height) * outputSize(width)
    }

    /// `y = conv(x)` for `x` of `[N, H, W, inChannels]`; in training keeps `x` for `backward`.
    public func forward(_ x: Tensor, _ store: ParameterStore, training: Bool = true) -> Tensor {
        precondition(x.shape.count == 4 && x.shape[3] == inChannels,
                     "Conv2D expects [N, H, W, \(inChannels)] (channels last), got \(x.shape)")
        let (batch, height, width) = (x.shape[0], x.shape[1], x.shape[2])
        precondition(outputSize(height) > 0 && outputSize(width) > 0, "input \(height) × \(width) is smaller than the kernel")
        let y = output.tensor([batch, outputSize(height), outputSize(width), outChannels])
        let primitive = self.primitive(batch: batch, height: height, width: width, training: training)
        if training {
            input = x
            trainingPrimitive = primitive
        } else {
            input = nil
        }
        primitive.check(cdnnl_conv_forward(primitive.handle, x.base, store.value(weight), bias.map { UnsafePointer(store.value($0)) },
                                           y.base), "forward")
        return y
    }

    /// Accumulates `dL/dw` (and `dL/db`) and returns `dL/dx` (empty when `computesInputGradient` is false), for the
    /// last training forward.
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        guard let x = input, let primitive = trainingPrimitive else { preconditionFailure("Conv2D.backward before a training forward") }
        precondition(dy.shape == [x.shape[0], outputSize(x.shape[1]), outputSize(x.shape[2]), outChannels],
                     "Conv2D gradient shape \(dy.shape) for input \(x.shape)")
        let dx = inputGradient.tensor(computesInputGradient ? x.shape : [0])
        primitive.check(cdnnl_conv_backward(primitive.handle, x.base, dy.base, store.value(weight),
                                            computesInputGradient ? dx.base : nil, store.gradient(weight),
                                            bias.map { store.gradient($0) }), "backward")
        return dx
    }

    private func primitive(batch: Int, height: Int, width: Int, training: Bool) -> ConvolutionPrimitive {
        let key = ConvolutionPrimitive.Key(batch: batch, length: width, height: height, precision: precision, training: training,
                                           bias: bias != nil, rectify: false)
        if let cached = primitives[key] { return cached }
        if primitives.count >= 4 { primitives.removeAll() }  // as Conv1D: an unusual mix of shapes starts afresh
        let shape = cdnnl_conv2d_shape(batch: Int32(batch), in_channels: Int32(inChannels), out_channels: Int32(outChannels),
                                       height: Int32(height), width: Int32(width), kernel: Int32(kernelSize),
                                       stride: Int32(stride), padding: Int32(padding))
        let made = ConvolutionPrimitive(key: key, shape: "\(shape)") { message, size in
            cdnnl_conv2d_create(shape, key.precision.cValue, training ? 1 : 0, key.bias ? 1 : 0, message, size)
        }
        primitives[key] = made
        return made
    }
}

/// The definition of `Conv2D` as plain loops on channels-last `[N, H, W, C]` with Float64 sums: the oracle the
/// oneDNN path is tested against. Not used in training.
public enum Conv2DReference {
    public struct Shape: Sendable {
        public let batch, inChannels, height, width, outChannels, kernel, stride, padding: Int
        public init(batch: Int, inChannels: Int, height: Int, width: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int) {
            (self.batch, self.inChannels, self.height, self.width) = (batch, inChannels, height, width)
            (self.outChannels, self.kernel, self.stride, self.padding) = (outChannels, kernel, stride, padding)
        }
        var outHeight: Int { (height + 2 * padding - kernel) / stride + 1 }
        var outWidth: Int { (width + 2 * padding - kernel) / stride + 1 }

        /// Calls `body(outputIndex, inputIndex, weightIndex)` for every product the convolution sums.
        func forEachTerm(_ body: (Int, Int, Int) -> Void) {
            for n in 0..<batch {
                for oh in 0..<outHeight {
                    for ow in 0..<outWidth {
                        for o in 0..<outChannels {
                            let out = ((n * outHeight + oh) * outWidth + ow) * outChannels + o
                            for i in 0..<inChannels {
                                for p in 0..<kernel {
                                    let h = oh * stride + p - padding
                                    guard h >= 0 && h < height else { continue }
                                    for q in 0..<kernel {
                                        let w = ow * stride + q - padding
                                        guard w >= 0 && w < width else { continue }
                                        body(out, ((n * height + h) * width + w) * inChannels + i,
                                             ((o * inChannels + i) * kernel + p) * kernel + q)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public static func forward(x: [Float], w: [Float], b: [Float]?, _ shape: Shape) -> [Float] {
        var y = [Double](repeating: 0, count: shape.batch * shape.outHeight * shape.outWidth * shape.outChannels)
        for index in y.indices { y[index] = Double(b?[index % shape.outChannels] ?? 0) }
        shape.forEachTerm { out, input, weight in y[out] += Double(w[weight]) * Double(x[input]) }
        return y.map(Float.init)
    }

    /// `(dx, dw, db)` for the upstream gradient `dy` of `[N, outH, outW, O]`.
    public static func backward(x: [Float], w: [Float], dy: [Float], _ shape: Shape) -> (dx: [Float], dw: [Float], db: [Float]) {
        var (dx, dw) = ([Double](repeating: 0, count: x.count), [Double](repeating: 0, count: w.count))
        var db = [Double](repeating: 0, count: shape.outChannels)
        for (index, g) in dy.enumerated() { db[index % shape.outChannels] += Double(g) }
        shape.forEachTerm { out, input, weight in
            dw[weight] += Double(dy[out]) * Double(x[input])
            dx[input] += Double(dy[out]) * Double(w[weight])
        }
        return (dx.map(Float.init), dw.map(Float.init), db.map(Float.init))
    }
}
