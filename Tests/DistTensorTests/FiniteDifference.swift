import DistTensor
import Testing

/// The tests' view of `GradientCheck`, the library's finite-difference harness: the same objective, with each
/// comparison asserted where it is made.
struct FiniteDifference {
    let harness: GradientCheck

    init(outputCount: Int, seed: UInt64 = 99) {
        harness = GradientCheck(outputCount: outputCount, seed: seed)
    }

    /// `dL/dy`, the upstream gradient to feed a backward pass.
    var upstream: [Float] { harness.upstream }

    /// Checks `analytic` (the gradient of `L` with respect to `values`) by perturbing `values[i]` in place
    /// and re-running `evaluate`, which must return the output for the current contents.
    func check(_ what: String, values: UnsafeMutablePointer<Float>, count: Int, analytic: [Float],
               step h: Float = 1e-2, evaluate: () -> [Float], sourceLocation: SourceLocation = #_sourceLocation) {
        let result = harness.compare(what, values: values, count: count, analytic: analytic, step: h, evaluate: evaluate)
        #expect(result.passed, "\(result)", sourceLocation: sourceLocation)
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
