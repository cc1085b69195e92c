/// Layer normalisation over the last axis, `y = (x − mean) / √(var + ε) · γ + β` per row of `[…, C]` (biased
/// variance), as PyTorch's `nn.LayerNorm(C)`: parameters `weight` (γ, ones) and `bias` (β, zeros). Statistics in
/// Float64; rows are split over the threads.
public final class LayerNorm {
    public let channels: Int
    public let epsilon: Float
    public let weight: ParameterSlot
    public let bias: ParameterSlot

    private var normalized = ReusableStorage()
    private var inverseDeviation: [Float] = []
    private var inputShape: [Int] = []
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(name: String, channels: Int, epsilon: Float = 1e-5, layout: inout ParameterLayout) {
        self.channels = channels
        self.epsilon = epsilon
        weight = layout.addParameter("\(name).weight", shape: [channels], initializer: .constant(1))
        bias = layout.addParameter("\(name).bias", shape: [channels], initializer: .constant(0))
    }

    /// `y` of `x`'s shape; keeps the normalised values and each row's `1/σ` for backward.
    public func forward(_ x: Tensor, _ store: ParameterStore) -> Tensor {
        precondition(x.shape.last == channels, "LayerNorm expects [..., \(channels)], got \(x.shape)")
        let (rows, c) = (x.count / channels, channels)
        inputShape = x.shape
        if inverseDeviation.count != rows { inverseDeviation = [Float](repeating: 0, count: rows) }
        let (xHat, y) = (normalized.tensor(x.shape), output.tensor(x.shape))
        let (gamma, beta, epsilon) = (store.value(weight), store.value(bias), Double(epsilon))
        inverseDeviation.withUnsafeMutableBufferPointer { inverse in
            let inverse = inverse.baseAddress!
            Parallel.forEachChunk(rows, grain: 256) { part in
                for row in part {
                    let (source, hat, target) = (x.base + row * c, xHat.base + row * c, y.base + row * c)
                    var (sum, squares) = (0.0, 0.0)
                    for j in 0..<c { sum += Double(source[j]) }
                    let mean = sum / Double(c)
                    for j in 0..<c { squares += (Double(source[j]) - mean) * (Double(source[j]) - mean) }
                    let scale = 1 / (squares / Double(c) + epsilon).squareRoot()
                    inverse[row] = Float(scale)
                    for j in 0..<c {
                        hat[j] = Float((Double(source[j]) - mean) * scale)
                        target[j] = hat[j] * gamma[j] + beta[j]
                    }
                }
            }
        }
        return y
    }

    /// Accumulates `dγ`, `dβ` and returns `dx = (1/σ)·(g − mean(g) − x̂·mean(g·x̂))` with `g = dy·γ`.
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        precondition(dy.shape == inputShape, "LayerNorm gradient shape \(dy.shape)")
        let (rows, c) = (dy.count / channels, channels)
        let (xHat, dx) = (normalized.tensor(inputShape), inputGradient.tensor(inputShape))
        let (gamma, dGamma, dBeta) = (store.value(weight), store.gradient(weight), store.gradient(bias))
        inverseDeviation.withUnsafeBufferPointer { inverse in
            let inverse = inverse.baseAddress!
            Parallel.forEachChunk(rows, grain: 256) { part in
                for row in part {
                    let (upstream, hat, target) = (dy.base + row * c, xHat.base + row * c, dx.base + row * c)
                    var (sum, dot) = (0.0, 0.0)
                    for j in 0..<c {
                        let g = Double(upstream[j] * gamma[j])
                        sum += g
                        dot += g * Double(hat[j])
                    }
                    let (mean, meanDot) = (sum / Double(c), dot / Double(c))
                    for j in 0..<c {
                        target[j] = Float(Double(inverse[row]) * (Double(upstream[j] * gamma[j]) - mean - Double(hat[j]) * meanDot))
                    }
                }
            }
        }
        for j in 0..<c {
            var (g, b) = (0.0, 0.0)
            for row in 0..<rows {
                g += Double(dy.base[row * c + j] * xHat.base[row * c + j])
                b += Double(dy.base[row * c + j])
            }
            dGamma[j] += Float(g)
            dBeta[j] += Float(b)
        }
        return dx
    }
}
