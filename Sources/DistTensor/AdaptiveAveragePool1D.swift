/// Average pooling over time of channels-last activations to a fixed number of bins, as PyTorch's
/// `AdaptiveAvgPool1d(outputSize)`: `[N, L, C] → [N, outputSize, C]`. Bin `i` averages positions
/// `⌊i·L/out⌋ ..< ⌈(i+1)·L/out⌉` (PyTorch's rule; bins overlap when `out` does not divide `L`). An output size
/// of 1 is global average pooling (follow it with `Flatten` for the classifier's `[N, C]`).
///
/// Plain loops, no oneDNN: the pool reads its input once and writes `out/L` of it, a memory-bound pass under
/// 0.1% of a ResNet step; oneDNN's pooling has no adaptive form, and for the global case it would save no pass.
public final class AdaptiveAveragePool1D {
    public let outputSize: Int

    private var inputShape: [Int] = []
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(outputSize: Int = 1) {
        precondition(outputSize > 0, "AdaptiveAveragePool1D needs at least one bin")
        self.outputSize = outputSize
    }

    /// Positions `start..<end` of bin `index` for an input of `length`.
    @inline(__always) static func bin(_ index: Int, outputSize: Int, length: Int) -> Range<Int> {
        (index * length / outputSize)..<(((index + 1) * length + outputSize - 1) / outputSize)
    }

    /// `y[n, i, c] = Σ_{t ∈ bin i} x[n, t, c] / |bin i|`, summed in Float64.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[1] >= outputSize,
                     "AdaptiveAveragePool1D(\(outputSize)) expects [N, L ≥ \(outputSize), C], got \(x.shape)")
        inputShape = x.shape
        let (batch, length, channels, bins) = (x.shape[0], x.shape[1], x.shape[2], outputSize)
        let y = output.tensor([batch, bins, channels])
        let shared = UncheckedSendable((x.base, y.base))
        Parallel.forEachChunk(batch * bins) { rows in
            let (x, y) = shared.value
            var sums = [Double](repeating: 0, count: channels)
            for row in rows {
                let (n, i) = row.quotientAndRemainder(dividingBy: bins)
                let positions = Self.bin(i, outputSize: bins, length: length)
                for c in 0..<channels { sums[c] = 0 }
                for t in positions {
                    let source = x + (n * length + t) * channels
                    for c in 0..<channels { sums[c] += Double(source[c]) }
                }
                let target = y + row * channels
                for c in 0..<channels { target[c] = Float(sums[c] / Double(positions.count)) }
            }
        }
        return y
    }

    /// Spreads each bin's gradient evenly over the positions it averaged (summing where bins overlap).
    public func backward(_ dy: Tensor) -> Tensor {
        let (batch, length, channels, bins) = (inputShape[0], inputShape[1], inputShape[2], outputSize)
        precondition(dy.shape == [batch, bins, channels], "AdaptiveAveragePool1D gradient shape \(dy.shape)")
        let dx = inputGradient.tensor(inputShape)
        let shared = UncheckedSendable((dx.base, dy.base))
        Parallel.forEachChunk(batch) { samples in
            let (dx, dy) = shared.value
            for n in samples {
                let sample = dx + n * length * channels
                if bins > 1 { sample.update(repeating: 0, count: length * channels) }
                for i in 0..<bins {
                    let positions = Self.bin(i, outputSize: bins, length: length)
                    let scale = 1 / Float(positions.count)
                    let source = dy + (n * bins + i) * channels
                    for t in positions {
                        let target = sample + t * channels
                        if bins == 1 {
                            for c in 0..<channels { target[c] = source[c] * scale }
                        } else {
                            for c in 0..<channels { target[c] += source[c] * scale }
                        }
                    }
                }
            }
        }
        return dx
    }
}
