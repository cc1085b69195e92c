/// Mean over the time axis of channels-last activations: `[N, L, C] → [N, C]`.
public final class GlobalAveragePool1D {
    private var inputShape: [Int] = []
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init() {}

    /// `y[n, c] = Σ_t x[n, t, c] / L`, summed in Float64.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3, "GlobalAveragePool1D expects [N, L, C], got \(x.shape)")
        inputShape = x.shape
        let (batch, length, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let y = output.tensor([batch, channels])
        var sums = [Double](repeating: 0, count: channels)
        for n in 0..<batch {
            for c in 0..<channels { sums[c] = 0 }
            for t in 0..<length {
                let source = x.base + (n * length + t) * channels
                for c in 0..<channels { sums[c] += Double(source[c]) }
            }
            for c in 0..<channels { y.base[n * channels + c] = Float(sums[c] / Double(length)) }
        }
        return y
    }

    /// Spreads each gradient evenly over the positions it averaged.
    public func backward(_ dy: Tensor) -> Tensor {
        let (batch, length, channels) = (inputShape[0], inputShape[1], inputShape[2])
        let dx = inputGradient.tensor(inputShape)
        let scale = 1 / Float(length)
        for n in 0..<batch {
            for t in 0..<length {
                let target = dx.base + (n * length + t) * channels
                for c in 0..<channels { target[c] = dy.base[n * channels + c] * scale }
            }
        }
        return dx
    }
}
