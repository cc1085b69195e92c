/// The finite-difference harness every layer's backward is checked with: central differences of the scalar
/// `L = Σ rᵢ·yᵢ` (fixed random `r`, summed in Float64) against the analytic gradient a backward returns or
/// accumulates. Any layer that follows the layer contract (`LayerContract.md`) can be checked with `checkLayer`.
///
/// Tolerance: `max|fd − analytic| ≤ 1e-2 · max|analytic|` over the checked elements (at most 48 per tensor), with
/// step `h = 1e-2` by default. Layers run in Float32, so each output carries a relative rounding error of about
/// 1e-7 times the size of its terms; summed over the outputs and divided by `2h` that is below 1e-4 of the
/// gradient's scale, and the truncation error `O(h²)` of smooth layers is of the same order. A wrong derivative (a
/// missing term, a wrong index, a transposed weight) is off by O(1) of the gradient's scale, a hundred times the
/// tolerance.
public struct GradientCheck: Sendable {
    /// One compared tensor: the largest difference between finite differences and the analytic gradient, and the
    /// analytic gradient's scale.
    public struct Result: Sendable, CustomStringConvertible {
        public let what: String
        public let worstDifference: Double
        public let scale: Double
        public let checkedElements: Int
        /// Whatever else was wrong (a shape, an accumulation that did not add up), or nil.
        public let failure: String?

        /// Within tolerance, with a non-zero gradient (an all-zero gradient checks nothing).
        public var passed: Bool { failure == nil && scale > 0 && worstDifference <= GradientCheck.tolerance * scale }

        public var description: String {
            if let failure { return "\(what): \(failure)" }
            if scale == 0 { return "\(what): analytic gradient is all zero, nothing was checked" }
            return "\(what): finite differences differ by \(worstDifference) (gradient scale \(scale), "
                + "\(checkedElements) elements)"
        }
    }

    /// Allowed difference relative to the gradient's scale.
    public static let tolerance = 1e-2

    /// `r`, the weights of the outputs in `L`.
    public let weights: [Double]

    public init(outputCount: Int, seed: UInt64 = 99) {
        var random = RandomStream(seed: seed)
        weights = (0..<outputCount).map { _ in random.nextNormal() }
    }

    /// `L` of an output.
    public func objective(_ output: [Float]) -> Double {
        zip(weights, output).reduce(0) { $0 + $1.0 * Double($1.1) }
    }

    /// `dL/dy`, the upstream gradient to feed a backward pass.
    public var upstream: [Float] { weights.map(Float.init) }

    /// Compares `analytic` (the gradient of `L` with respect to `values`) with central differences, perturbing
    /// `values[i]` in place and re-running `evaluate`, which must return the output for the current contents.
    public func compare(_ what: String, values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float],
                        step h: Float = 1e-2, evaluate: () -> [Float]) -> Result {
        guard analytic.count == count else {
            return Result(what: what, worstDifference: .infinity, scale: 0, checkedElements: 0,
                          failure: "gradient has \(analytic.count) entries for \(count) values")
        }
        let stride = Swift.max(1, count / 48)
        var worst = 0.0
        var scale = 0.0
        var checked = 0
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
            checked += 1
        }
        return Result(what: what, worstDifference: worst, scale: scale, checkedElements: checked, failure: nil)
    }

    /// Checks a layer as the contract describes it: `forward()` runs the layer's training forward on `input` (and
    /// the parameters in `store`) and returns its output; `backward(dy)` runs its backward and returns the input
    /// gradient (or nil for a layer that computes none). Checked: the input gradient has the input's shape and
    /// matches finite differences; every parameter in `parameters` gets the finite-difference gradient,
    /// accumulated (`+=`: a second backward doubles it). Gradients in `store` are zeroed first.
    public func checkLayer(_ name: String, input: Tensor, store: ParameterStore? = nil,
                           parameters: [(name: String, slot: ParameterSlot)] = [], step: Float = 1e-2,
                           forward: () -> Tensor, backward: (Tensor) -> Tensor?) -> [Result] {
        store?.zeroGradients()
        let y = forward()
        guard y.count == weights.count else {
            return [Result(what: name, worstDifference: .infinity, scale: 0, checkedElements: 0,
                           failure: "forward returned \(y.count) values for a check of \(weights.count) outputs")]
        }
        let dx = backward(Tensor(shape: y.shape, values: upstream))
        let evaluate = { forward().array }
        var results: [Result] = []
        if let dx {
            if dx.shape != input.shape {
                results.append(Result(what: "\(name) dx", worstDifference: .infinity, scale: 0, checkedElements: 0,
                                      failure: "input gradient of shape \(dx.shape) for an input of \(input.shape)"))
            } else {
                let analytic = dx.array
                results.append(compare("\(name) dx", values: input.base, count: input.count, analytic: analytic,
                                       step: step, evaluate: evaluate))
            }
        }
        guard let store else { return results }
        let first = parameters.map { Array(UnsafeBufferPointer(start: store.gradient($0.slot), count: $0.slot.count)) }
        for (parameter, analytic) in zip(parameters, first) {
            results.append(compare("\(name) d\(parameter.name)", values: store.value(parameter.slot),
                                   count: parameter.slot.count, analytic: analytic, step: step, evaluate: evaluate))
        }
        // Accumulation: the same forward and backward again must add the same gradient once more.
        _ = forward()
        _ = backward(Tensor(shape: y.shape, values: upstream))
        for (parameter, once) in zip(parameters, first) {
            let twice = UnsafeBufferPointer(start: store.gradient(parameter.slot), count: parameter.slot.count)
            let scale = once.map { abs(Double($0)) }.max() ?? 0
            let worst = zip(twice, once).map { abs(Double($0) - 2 * Double($1)) }.max() ?? 0
            results.append(Result(what: "\(name) d\(parameter.name) accumulates", worstDifference: worst, scale: scale,
                                  checkedElements: once.count,
                                  failure: worst <= 1e-5 * Swift.max(scale, 1e-30) ? nil
                                      : "a second backward did not add its gradient (+=): off by \(worst) at scale \(scale)"))
        }
        return results
    }
}
