/// Mean over the time axis: `[N, C, L] → [N, C]`.
public final class GlobalAveragePool1D {
    private var inputShape: [Int] = []
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3, "GlobalAveragePool1D expects [N, C, L], got \(x.shape)")
        inputShape = x.shape
        let (rows, length) = (x.shape[0] * x.shape[1], x.shape[2])
        let y = output.tensor([x.shape[0], x.shape[1]])
        for row in 0..<rows {
            let source = x.base + row * length
            var sum: Double = 0
            for t in 0..<length { sum += Double(source[t]) }
            y.base[row] = Float(sum / Double(length))
        }
        return y
    }

    /// Spreads each gradient evenly over the positions it averaged.
    public func backward(_ dy: Tensor) -> Tensor {
        let (rows, length) = (inputShape[0] * inputShape[1], inputShape[2])
        let dx = inputGradient.tensor(inputShape)
        let scale = 1 / Float(length)
        for row in 0..<rows {
            (dx.base + row * length).update(repeating: dy.base[row] * scale, count: length)
        }
        return dx
    }
}
