import CDNNL

/// Inverted dropout: in training each element is zeroed with probability `p` and the rest
/// scaled by `1/(1−p)`; in evaluation it is the identity.
///
/// The mask is a pure function of `(key, element index)`, so a step replays exactly on
/// resume without any generator state to save. It is kept as one byte per element (kept or not) for backward.
public final class Dropout {
    public let probability: Float

    private var mask: [UInt8] = []
    private var active = false
    private var output = ReusableStorage()

    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "dropout probability must be in [0, 1)")
        self.probability = probability
    }

    /// Below this many elements a loop stays on the calling thread.
    private static let grain = 65_536

    /// Applies dropout with the mask keyed by `key` (distinct per layer and step): element `i` is kept when
    /// `RandomStream.uniform(key: key, index: i) < 1 − p`.
    public func forward(_ x: Tensor, training: Bool, key: UInt64) -> Tensor {
        active = training && probability > 0
        guard active else { return x }
        if mask.count != x.count { mask = [UInt8](repeating: 0, count: x.count) }
        let y = output.tensor(x.shape)
        let (keep, scale) = (1 - probability, 1 / (1 - probability))
        mask.withUnsafeMutableBufferPointer { mask in
            let shared = UncheckedSendable((x.base, y.base, mask.baseAddress!))
            Parallel.forEachChunk(x.count, grain: Dropout.grain) { range in
                let (x, y, mask) = shared.value
                cdnnl_dropout_forward(x, y, mask, range.lowerBound, range.count, key, keep, scale)
            }
        }
        return y
    }

    /// `dx = dy · mask · 1/(1−p)` (in place on `dy`), or `dy` itself when the forward was the identity.
    public func backward(_ dy: Tensor) -> Tensor {
        guard active else { return dy }
        precondition(dy.count == mask.count, "Dropout gradient size \(dy.count) != \(mask.count)")
        let scale = 1 / (1 - probability)
        mask.withUnsafeBufferPointer { mask in
            let shared = UncheckedSendable((dy.base, mask.baseAddress!))
            Parallel.forEachChunk(dy.count, grain: Dropout.grain) { range in
                let (dy, mask) = shared.value
                cdnnl_dropout_backward(dy + range.lowerBound, mask + range.lowerBound, range.count, scale)
            }
        }
        return dy
    }
}
