import Foundation

/// Softmax cross-entropy on logits for single-label targets (class indices), with optional class weights, as
/// PyTorch's `CrossEntropyLoss(weight=w, reduction="mean")`.
///
/// Per sample `n` of class `y`: `ℓₙ = −w_y · log softmax(xₙ)_y`; the weighted mean divides `Σ ℓₙ` by `Σ w_{yₙ}`
/// (PyTorch's rule: not by the number of samples), so `dℓ/dx_{n,c} = w_y · (softmax(xₙ)_c − [c = y]) / Σ w`.
/// The log-softmax subtracts the row maximum first, so large logits do not overflow.
public enum SoftmaxCrossEntropy {
    /// The loss (summed in Float64 and returned unrounded), `dL/dlogits` and the batch's weight `Σ w_{yₙ}` for
    /// `logits` of shape `[N, C]` and `N` class indices in `0..<C`; `classWeight`, when given, has `C` entries.
    ///
    /// `normalizer` replaces the divisor `Σ w_{yₙ}` of the mean: a rank of a data-parallel step passes the whole
    /// global batch's weight, so the ranks' losses and gradients add up to those of the global batch.
    public static func lossAndGradient(logits: Tensor, classIndices: [Int], classWeight: [Float]? = nil,
                                       normalizer: Double? = nil) -> (loss: Double, gradient: Tensor, weight: Double) {
        precondition(logits.shape.count == 2 && logits.shape[0] == classIndices.count,
                     "logits \(logits.shape) vs \(classIndices.count) targets")
        let (samples, classes) = (logits.shape[0], logits.shape[1])
        precondition(classWeight == nil || classWeight!.count == classes, "weight needs \(classes) entries")
        precondition(classIndices.allSatisfy { (0..<classes).contains($0) }, "a target is not a class index")
        let weight = classIndices.reduce(0.0) { $0 + Double(classWeight?[$1] ?? 1) }
        let divisor = normalizer ?? weight
        let gradient = Tensor(zeros: logits.shape)
        guard samples > 0, divisor > 0 else { return (0, gradient, weight) }
        var total = 0.0
        var probabilities = [Double](repeating: 0, count: classes)
        for n in 0..<samples {
            let row = logits.base + n * classes
            let target = classIndices[n]
            let w = Double(classWeight?[target] ?? 1)
            var maximum = -Double.infinity
            for c in 0..<classes { maximum = max(maximum, Double(row[c])) }
            var sum = 0.0
            for c in 0..<classes {
                probabilities[c] = exp(Double(row[c]) - maximum)
                sum += probabilities[c]
            }
            total += w * (log(sum) + maximum - Double(row[target]))
            let gradientRow = gradient.base + n * classes
            for c in 0..<classes {
                let p = probabilities[c] / sum
                gradientRow[c] = Float(w * (p - (c == target ? 1 : 0)) / divisor)
            }
        }
        return (total / divisor, gradient, weight)
    }
}

/// The loss a classifier trains with, chosen by its task's label kind: binary cross-entropy per class for
/// multi-label targets, softmax cross-entropy for single-label ones, each with its optional class weights.
///
/// Targets are `[N, C]` in both cases (multi-hot, or one-hot for single-label), so a trainer fills one batch
/// layout whatever the task.
public enum ClassificationLoss: Sendable, Equatable {
    /// `BCEWithLogitsLoss(pos_weight=)`: `positiveWeight` (C entries) scales each class's positive term.
    case binaryCrossEntropy(positiveWeight: [Float]?)
    /// `CrossEntropyLoss(weight=)`: `classWeight` (C entries) scales each sample by its class's weight.
    case softmaxCrossEntropy(classWeight: [Float]?)

    /// What one sample with target row `target` (C values) adds to the divisor of the mean: 1 for binary
    /// cross-entropy (whose mean is also over the C classes), its class's weight for softmax cross-entropy.
    public func sampleWeight(target: UnsafeBufferPointer<Float>) -> Double {
        switch self {
        case .binaryCrossEntropy:
            return 1
        case let .softmaxCrossEntropy(classWeight):
            return Double(classWeight?[Self.classIndex(target)] ?? 1)
        }
    }

    /// The loss and `dL/dlogits` of `logits` against `targets` (both `[N, C]`), the mean taken over
    /// `normalizer` sample weights (see `sampleWeight`), or over this batch's own when nil, as PyTorch does.
    public func lossAndGradient(logits: Tensor, targets: Tensor, normalizer: Double? = nil)
        -> (loss: Double, gradient: Tensor) {
        precondition(logits.shape == targets.shape && logits.shape.count == 2, "logits \(logits.shape) vs targets \(targets.shape)")
        switch self {
        case let .binaryCrossEntropy(positiveWeight):
            let (mean, gradient) = BCEWithLogits.lossAndGradient(logits: logits, targets: targets, positiveWeight: positiveWeight)
            guard let normalizer, normalizer > 0 else { return (mean, gradient) }
            let scale = Double(logits.shape[0]) / normalizer
            for i in 0..<gradient.count { gradient.base[i] *= Float(scale) }
            return (mean * scale, gradient)
        case let .softmaxCrossEntropy(classWeight):
            let classes = targets.shape[1]
            let indices = (0..<targets.shape[0]).map { n in
                Self.classIndex(UnsafeBufferPointer(start: targets.base + n * classes, count: classes))
            }
            let result = SoftmaxCrossEntropy.lossAndGradient(logits: logits, classIndices: indices, classWeight: classWeight,
                                                             normalizer: normalizer)
            return (result.loss, result.gradient)
        }
    }

    /// The class of a one-hot row: the position of its largest value (the first on ties).
    static func classIndex(_ row: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        for c in row.indices where row[c] > row[best] { best = c }
        return best
    }
}
