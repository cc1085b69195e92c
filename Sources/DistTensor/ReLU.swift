import CDNNL

/// Rectified linear unit, applied in place: `x = max(x, 0)`.
///
/// In place is safe where the layer before does not need its own output for backward
/// (convolution and BatchNorm keep their inputs, not their outputs), and saves a buffer per use.
public enum ReLU {
    /// `x ← max(x, 0)`.
    public static func forward(inPlace x: Tensor) {
        let shared = UncheckedSendable(x.base)
        Parallel.forEachChunk(x.count, grain: 65_536) { range in
            cdnnl_relu(shared.value + range.lowerBound, range.count)
        }
    }

    /// `dy ← dy · [y > 0]`, where `y` is the forward output.
    public static func backward(inPlace dy: Tensor, output y: Tensor) {
        precondition(dy.shape == y.shape, "ReLU gradient shape \(dy.shape) != \(y.shape)")
        let shared = UncheckedSendable((dy.base, y.base))
        Parallel.forEachChunk(dy.count, grain: 65_536) { range in
            let (dy, y) = shared.value
            cdnnl_relu_backward(dy + range.lowerBound, y + range.lowerBound, range.count)
        }
    }
}
