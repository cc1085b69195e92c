import Foundation

/// Binary cross-entropy on logits, averaged over every element, as PyTorch's
/// `BCEWithLogitsLoss(reduction="mean", pos_weight=...)`.
///
/// Per element: `ℓ = (1−y)·x + (1 + (w−1)·y)·softplus(−x)`, whose derivative is
/// `(1−y) − (1 + (w−1)·y)·σ(−x)`; softplus is evaluated stably as `log1p(e^{−|x|}) + max(−x, 0)`.
public enum BCEWithLogits {
    /// The mean loss (summed in Float64 and returned unrounded) and `dL/dlogits` for `logits` and `targets`
    /// of shape `[N, C]`; `positiveWeight`, when given, has `C` entries.
    public static func lossAndGradient(logits: Tensor, targets: Tensor, positiveWeight: [Float]? = nil) -> (loss: Double, gradient: Tensor) {
        precondition(logits.shape == targets.shape && logits.shape.count == 2, "logits \(logits.shape) vs targets \(targets.shape)")
        let classes = logits.shape[1]
        precondition(positiveWeight == nil || positiveWeight!.count == classes, "pos_weight needs \(classes) entries")
        let gradient = Tensor(zeros: logits.shape)
        let scale = 1 / Double(logits.count)
        var total = 0.0
        for i in 0..<logits.count {
            let x = Double(logits.base[i])
            let y = Double(targets.base[i])
            let w = Double(positiveWeight?[i % classes] ?? 1)
            let logWeight = 1 + (w - 1) * y
            let softplusNegX = log1p(exp(-abs(x))) + max(-x, 0)
            total += (1 - y) * x + logWeight * softplusNegX
            let sigmoidNegX = 1 / (1 + exp(x))
            gradient.base[i] = Float(((1 - y) - logWeight * sigmoidNegX) * scale)
        }
        return (total * scale, gradient)
    }
}
