/// Squeeze-and-excitation (Hu et al. 2018) on channels-last `[N, L, C]` activations: each channel is rescaled by a
/// gate computed from the whole sample, `y[n, t, c] = x[n, t, c] · e[n, c]` with
/// `e = σ(fc2(relu(fc1(mean_t x))))`, `fc1: C → C/r`, `fc2: C/r → C` (both with bias; at least one hidden unit).
///
/// Parameter names follow a PyTorch module with attributes `fc1` and `fc2` (`body.3.se.fc1.weight`). Built from
/// `AdaptiveAveragePool1D`, `Linear`, `ReLU` and `Elementwise.sigmoid`; the channel scale and its backward are the
/// two passes over the activations, each split over `Parallel`'s threads by sample.
public final class SqueezeExcitation1D {
    public let channels: Int
    public let hidden: Int
    public let fc1: Linear
    public let fc2: Linear

    private let pool = AdaptiveAveragePool1D(outputSize: 1)
    private var input: Tensor?
    private var hiddenOutput: Tensor?
    private var gate: Tensor?
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(name: String, channels: Int, reduction: Int, layout: inout ParameterLayout) {
        precondition(channels > 0 && reduction > 0, "squeeze-and-excitation needs channels and a reduction")
        self.channels = channels
        hidden = Swift.max(1, channels / reduction)
        fc1 = Linear(name: "\(name).fc1", inFeatures: channels, outFeatures: hidden, layout: &layout)
        fc2 = Linear(name: "\(name).fc2", inFeatures: hidden, outFeatures: channels, layout: &layout)
    }

    /// `x · e(x)`; in training keeps `x`, the hidden activations and the gate for `backward`.
    public func forward(_ x: Tensor, _ store: ParameterStore, training: Bool) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[2] == channels,
                     "SqueezeExcitation1D expects [N, L, \(channels)] (channels last), got \(x.shape)")
        let squeezed = pool.forward(x)
        let z = fc1.forward(Tensor(shape: [x.shape[0], channels], storage: squeezed.storage), store)
        ReLU.forward(inPlace: z)
        let e = Elementwise.sigmoid(fc2.forward(z, store))
        let y = output.tensor(x.shape)
        Self.scale(x, by: e, into: y)
        (input, hiddenOutput, gate) = training ? (x, z, e) : (nil, nil, nil)
        return y
    }

    /// Accumulates the gradients of `fc1` and `fc2` and returns `dL/dx = dy·e + (1/L)·∂L/∂(mean_t x)` in storage of
    /// its own (`dy` is left unchanged: a residual block passes it on to its shortcut).
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        guard let x = input, let z = hiddenOutput, let e = gate else {
            preconditionFailure("SqueezeExcitation1D.backward before a training forward")
        }
        precondition(dy.shape == x.shape, "SqueezeExcitation1D gradient shape \(dy.shape) != \(x.shape)")
        let (batch, length, channels) = (x.shape[0], x.shape[1], x.shape[2])
        // de[n, c] = Σ_t dy·x (Float64 sums), then back through the gate's sigmoid, fc2, ReLU and fc1.
        let de = Tensor(zeros: [batch, channels])
        let sums = UncheckedSendable((dy.base, x.base, de.base))
        Parallel.forEachChunk(batch) { samples in
            let (dy, x, de) = sums.value
            var total = [Double](repeating: 0, count: channels)
            for n in samples {
                for c in 0..<channels { total[c] = 0 }
                for t in 0..<length {
                    let (g, v) = (dy + (n * length + t) * channels, x + (n * length + t) * channels)
                    for c in 0..<channels { total[c] += Double(g[c] * v[c]) }
                }
                for c in 0..<channels { de[n * channels + c] = Float(total[c]) }
            }
        }
        let dz = fc2.backward(Elementwise.sigmoidBackward(de, output: e), store)
        ReLU.backward(inPlace: dz, output: z)
        let dSqueezed = fc1.backward(dz, store)
        let dx = inputGradient.tensor(x.shape)
        let shared = UncheckedSendable((dy.base, e.base, dSqueezed.base, dx.base))
        let inverseLength = 1 / Float(length)
        Parallel.forEachChunk(batch) { samples in
            let (dy, e, ds, dx) = shared.value
            for n in samples {
                let (gate, mean) = (e + n * channels, ds + n * channels)
                for t in 0..<length {
                    let (g, target) = (dy + (n * length + t) * channels, dx + (n * length + t) * channels)
                    for c in 0..<channels { target[c] = g[c] * gate[c] + mean[c] * inverseLength }
                }
            }
        }
        return dx
    }

    /// `y[n, t, c] = x[n, t, c] · e[n, c]`.
    static func scale(_ x: Tensor, by e: Tensor, into y: Tensor) {
        let (length, channels) = (x.shape[1], x.shape[2])
        let shared = UncheckedSendable((x.base, e.base, y.base))
        Parallel.forEachChunk(x.shape[0]) { samples in
            let (x, e, y) = shared.value
            for n in samples {
                let gate = e + n * channels
                for t in 0..<length {
                    let (source, target) = (x + (n * length + t) * channels, y + (n * length + t) * channels)
                    for c in 0..<channels { target[c] = source[c] * gate[c] }
                }
            }
        }
    }
}
