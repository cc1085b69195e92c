/// Inverted dropout: in training each element is zeroed with probability `p` and the rest
/// scaled by `1/(1−p)`; in evaluation it is the identity.
///
/// The mask is a pure function of `(key, element index)`, so a step replays exactly on
/// resume without any generator state to save.
public final class Dropout {
    public let probability: Float

    private var mask: [Float] = []
    private var active = false
    private var output = ReusableStorage()

    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
    }

    /// Applies dropout with the mask keyed by `key` (distinct per layer and step).
    public func forward(_ x: Tensor, training: Bool, key: UInt64) -> Tensor {
        active = training && probability > 0
        guard active else { return x }
        if mask.count != x.count { mask = [Float](repeating: 0, count: x.count) }
        let y = output.tensor(x.shape)
        let (keep, scale) = (1 - probability, 1 / (1 - probability))
        mask.withUnsafeMutableBufferPointer { mask in
            let shared = UncheckedSendable((x.base, y.base, mask.baseAddress!))
            Parallel.forEachChunk(x.count, grain: 65_536) { range in
                let (x, y, mask) = shared.value
                for i in range {
                    let m: Float = RandomStream.uniform(key: key, index: UInt64(i)) < keep ? scale : 0
                    mask[i] = m
                    y[i] = x[i] * m
                }
            }
        }
        return y
    }

    /// `dx = dy · mask` (in place on `dy`), or `dy` itself when the forward was the identity.
    public func backward(_ dy: Tensor) -> Tensor {
        guard active else { return dy }
        precondition(dy.count == mask.count, "Dropout gradient size \(dy.count) != \(mask.count)")
        mask.withUnsafeBufferPointer { mask in
            for i in 0..<dy.count { dy.base[i] *= mask[i] }
        }
        return dy
    }
}
