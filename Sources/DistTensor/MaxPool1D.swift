/// 1-D max pooling over time of channels-last `[N, L, C]` activations, with implicit −∞ padding, as
/// PyTorch's `MaxPool1d`.
///
/// Ties go to the first (earliest) maximum, as PyTorch's CPU kernel, so exactly one input
/// receives each output's gradient; a NaN wins, as in PyTorch.
public final class MaxPool1D {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int

    private var inputShape: [Int] = []
    /// For each output element, the time index of the input element it took.
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

    /// `y[n, t, c] = max_k x[n, t·stride + k − padding, c]`; remembers where each max came from.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3, "MaxPool1D expects [N, L, C], got \(x.shape)")
        let (batch, length, channels) = (x.shape[0], x.shape[1], x.shape[2])
        let outLength = outputLength(length)
        inputShape = x.shape
        let y = output.tensor([batch, outLength, channels])
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        let (kernelSize, stride, padding) = (self.kernelSize, self.stride, self.padding)
        argmax.withUnsafeMutableBufferPointer { argmax in
            let shared = UncheckedSendable((x.base, y.base, argmax.baseAddress!))
            Parallel.forEachChunk(batch * outLength, grain: 16) { range in
                let (x, y, argmax) = shared.value
                for row in range {
                    let (n, t) = row.quotientAndRemainder(dividingBy: outLength)
                    let start = Swift.max(t * stride - padding, 0)
                    let end = Swift.max(Swift.min(t * stride - padding + kernelSize, length), start + 1)
                    let (target, index) = (y + row * channels, argmax + row * channels)
                    let first = x + (n * length + start) * channels
                    for c in 0..<channels {
                        target[c] = first[c]
                        index[c] = Int32(start)
                    }
                    for position in (start + 1)..<end {
                        let source = x + (n * length + position) * channels
                        for c in 0..<channels where source[c] > target[c] || source[c].isNaN {
                            target[c] = source[c]
                            index[c] = Int32(position)
                        }
                    }
                }
            }
        }
        return y
    }

    /// Routes each output gradient to the input position that was the maximum.
    public func backward(_ dy: Tensor) -> Tensor {
        let (batch, length, channels) = (inputShape[0], inputShape[1], inputShape[2])
        let outLength = dy.count / Swift.max(batch * channels, 1)
        let dx = inputGradient.tensor(inputShape)
        argmax.withUnsafeBufferPointer { argmax in
            let shared = UncheckedSendable((dx.base, dy.base, argmax.baseAddress!))
            Parallel.forEachChunk(batch) { samples in
                let (dx, dy, argmax) = shared.value
                for n in samples {
                    let target = dx + n * length * channels
                    target.update(repeating: 0, count: length * channels)
                    for t in 0..<outLength {
                        let row = (n * outLength + t) * channels
                        for c in 0..<channels { target[Int(argmax[row + c]) * channels + c] += dy[row + c] }
                    }
                }
            }
        }
        return dx
    }
}
