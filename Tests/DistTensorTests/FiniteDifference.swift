import DistTensor
import Testing

/// Central finite differences of the scalar `L = Σ rᵢ·yᵢ` (fixed random `r`, summed in Float64) against
/// an analytic gradient.
///
/// Tolerance: `max|fd − analytic| ≤ 1e-2 · max|analytic|` over the checked elements (at most 48 per
/// tensor), with step `h = 1e-2`. The layers run in Float32, so each output carries a relative rounding
/// error of about 1e-7 times the size of its terms; summed over the outputs and divided by `2h` that is
/// below 1e-4 of the gradient's scale here, and the truncation error `O(h²)` of the smooth layers is of
/// the same order. A wrong derivative (a missing term, a wrong index, a transposed weight) is off by O(1)
/// of the gradient's scale, a hundred times the tolerance.
struct FiniteDifference {
    let weights: [Double]

    init(outputCount: Int, seed: UInt64 = 99) {
        var random = RandomStream(seed: seed)
        weights = (0..<outputCount).map { _ in random.nextNormal() }
    }

    /// `L` of an output.
    func objective(_ output: [Float]) -> Double {
        zip(weights, output).reduce(0) { $0 + $1.0 * Double($1.1) }
    }

    /// `dL/dy`, the upstream gradient to feed a backward pass.
    var upstream: [Float] { weights.map(Float.init) }

    /// Checks `analytic` (the gradient of `L` with respect to `values`) by perturbing `values[i]` in place
    /// and re-running `evaluate`, which must return the output for the current contents.
    func check(_ what: String, values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float],
               step h: Float = 1e-2, evaluate: () -> [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(analytic.count == count, "\(what): gradient has \(analytic.count) entries for \(count) values",
                sourceLocation: sourceLocation)
        let stride = Swift.max(1, count / 48)
        var worst = 0.0
        var scale = 0.0
        for i in Swift.stride(from: 0, to: count, by: stride) {
            let saved = values[i]
            values[i] = saved + h
            let plus = objective(evaluate())
            values[i] = saved - h
            let minus = objective(evaluate())
            values[i] = saved
            let numeric = (plus - minus) / Double(2 * h)
            worst = Swift.max(worst, abs(numeric - Double(analytic[i])))
            scale = Swift.max(scale, abs(Double(analytic[i])))
        }
        #expect(scale > 0, "\(what): analytic gradient is all zero, nothing was checked", sourceLocation: sourceLocation)
        #expect(worst <= 1e-2 * scale, "\(what): finite differences differ by \(worst) (gradient scale \(scale))",
                sourceLocation: sourceLocation)
    }
}

/// A tensor of standard normal values from `seed`.
func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var random = RandomStream(seed: seed, 0x7E57)
    return Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { _ in Float(random.nextNormal()) })
}

/// A store holding only the layout's tensors, with values drawn from `seed` (gradients zero).
func randomStore(_ layout: ParameterLayout, seed: UInt64) -> ParameterStore {
    let store = ParameterStore(layout: layout, seed: seed)
    var random = RandomStream(seed: seed, 0x5708)
    for i in 0..<store.values.count { store.values[i] = Float(random.nextNormal()) * 0.5 + (i % 3 == 0 ? 1 : 0) }
    return store
}
