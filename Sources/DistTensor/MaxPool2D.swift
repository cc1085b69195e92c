/// 2-D max pooling of channels-last `[N, H, W, C]` activations over non-overlapping `k × k` windows (stride `k`, no
/// padding, the last partial row and column dropped), as PyTorch's `MaxPool2d(k)`.
///
/// Ties go to the first maximum in row-major window order, as PyTorch's CPU kernel, so exactly one input receives
/// each output's gradient; a NaN wins, as in PyTorch.
public final class MaxPool2D {
    public let kernelSize: Int

    private var inputShape: [Int] = []
    /// For each output element, the flat `h·W + w` index within its sample of the input element it took.
    private var argmax: [Int32] = []
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(kernelSize: Int) {
        precondition(kernelSize > 0, "MaxPool2D needs a positive kernel")
        self.kernelSize = kernelSize
    }

    /// Output size along an axis of `size`.
    public func outputSize(_ size: Int) -> Int { size / kernelSize }

    /// `y[n, i, j, c] = max_{p,q < k} x[n, i·k + p, j·k + q, c]`; remembers where each max came from.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4, "MaxPool2D expects [N, H, W, C], got \(x.shape)")
        let (batch, height, width, channels) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (outHeight, outWidth, k) = (outputSize(height), outputSize(width), kernelSize)
        precondition(outHeight > 0 && outWidth > 0, "MaxPool2D(\(k)) of a \(height) × \(width) input is empty")
        inputShape = x.shape
        let y = output.tensor([batch, outHeight, outWidth, channels])
        if argmax.count != y.count { argmax = [Int32](repeating: 0, count: y.count) }
        argmax.withUnsafeMutableBufferPointer { argmax in
            let shared = UncheckedSendable((x.base, y.base, argmax.baseAddress!))
            Parallel.forEachChunk(batch * outHeight, grain: 4) { rows in
                let (x, y, argmax) = shared.value
                for row in rows {
                    let (n, i) = row.quotientAndRemainder(dividingBy: outHeight)
                    let sample = x + n * height * width * channels
                    for j in 0..<outWidth {
                        let out = (row * outWidth + j) * channels
                        let (target, index) = (y + out, argmax + out)
                        for p in 0..<k {
                            for q in 0..<k {
                                let position = (i * k + p) * width + j * k + q
                                let source = sample + position * channels
                                if p == 0 && q == 0 {
                                    for c in 0..<channels { (target[c], index[c]) = (source[c], Int32(position)) }
                                    continue
                                }
                                for c in 0..<channels where source[c] > target[c] || source[c].isNaN {
                                    (target[c], index[c]) = (source[c], Int32(position))
                                }
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// Routes each output gradient to the input element that was the maximum; every other input gets 0.
    public func backward(_ dy: Tensor) -> Tensor {
        let (batch, height, width, channels) = (inputShape[0], inputShape[1], inputShape[2], inputShape[3])
        precondition(dy.count == argmax.count, "MaxPool2D gradient of \(dy.shape) for its last forward on \(inputShape)")
        let perSample = dy.count / Swift.max(batch * channels, 1)
        let dx = inputGradient.tensor(inputShape)
        argmax.withUnsafeBufferPointer { argmax in
            let shared = UncheckedSendable((dx.base, dy.base, argmax.baseAddress!))
            Parallel.forEachChunk(batch) { samples in
                let (dx, dy, argmax) = shared.value
                for n in samples {
                    let target = dx + n * height * width * channels
                    target.update(repeating: 0, count: height * width * channels)
                    for out in (n * perSample)..<((n + 1) * perSample) {
                        for c in 0..<channels { target[Int(argmax[out * channels + c]) * channels + c] += dy[out * channels + c] }
                    }
                }
            }
        }
        return dx
    }
}
