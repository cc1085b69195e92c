/// 1-D max pooling with implicit −∞ padding, as PyTorch's `MaxPool1d`.
///
/// Ties go to the first (leftmost) maximum, as PyTorch's CPU kernel, so exactly one input
/// receives each output's gradient.
public final class MaxPool1D {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    private var inputShape: [Int] = []
    private var argmax: [Int32] = []
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(kernelSize: Int, stride: Int, padding: Int = 0) {
        precondition(kernelSize > 0 && stride > 0 && padding >= 0 && padding * 2 <= kernelSize)
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
    }

    public func outputLength(_ length: Int) -> Int {
        (length + 2 * padding - kernelSize) / stride + 1
    }

    /// `y[n, c, t] = max_k x[n, c, t·stride + k − padding]`; remembers where each max came from.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3, "MaxPool1D expects [N, C, L], got \(x.shape)")
        let (rows, length) = (x.shape[0] * x.shape[1], x.shape[2])
        let outLength = outputLength(length)
        inputShape = x.shape
        let y = output.tensor([x.shape[0], x.shape[1], outLength])
        if argmax.count != rows * outLength { argmax = [Int32](repeating: 0, count: rows * outLength) }
        let (kernelSize, stride, padding) = (self.kernelSize, self.stride, self.padding)
        argmax.withUnsafeMutableBufferPointer { argmax in
            let shared = UncheckedSendable((x.base, y.base, argmax.baseAddress!))
            Parallel.forEachChunk(rows, grain: 16) { range in
                let (x, y, argmax) = shared.value
                for row in range {
                    let source = x + row * length
                    for t in 0..<outLength {
                        let start = Swift.max(t * stride - padding, 0)
                        let end = Swift.min(t * stride - padding + kernelSize, length)
                        var best = start
                        for position in (start + 1)..<Swift.max(end, start + 1) where source[position] > source[best] || source[position].isNaN {
                            best = position
                        }
                        y[row * outLength + t] = source[best]
                        argmax[row * outLength + t] = Int32(best)
                    }
                }
            }
        }
        return y
    }

    /// Routes each output gradient to the input position that was the maximum.
    public func backward(_ dy: Tensor) -> Tensor {
        let length = inputShape[2]
        let rows = inputShape[0] * inputShape[1]
        let outLength = dy.count / Swift.max(rows, 1)
        let dx = inputGradient.tensor(inputShape)
        dx.base.update(repeating: 0, count: dx.count)
        for row in 0..<rows {
            let target = dx.base + row * length
            for t in 0..<outLength {
                target[Int(argmax[row * outLength + t])] += dy.base[row * outLength + t]
            }
        }
        return dx
    }
}
