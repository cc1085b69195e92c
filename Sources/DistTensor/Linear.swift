/// Fully connected layer `y = x·Wᵀ + b` on `[N, in]`, weights `[out, in]` as PyTorch's `Linear`.
public final class Linear {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weight: ParameterSlot
    public let bias: ParameterSlot

    private var input: Tensor?
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(name: String, inFeatures: Int, outFeatures: Int, layout: inout ParameterLayout) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = layout.addParameter("\(name).weight", shape: [outFeatures, inFeatures], initializer: .uniform(bound: bound))
        bias = layout.addParameter("\(name).bias", shape: [outFeatures], initializer: .uniform(bound: bound))
    }

    public func forward(_ x: Tensor, _ store: ParameterStore) -> Tensor {
        precondition(x.shape.count == 2 && x.shape[1] == inFeatures, "Linear expects [N, \(inFeatures)], got \(x.shape)")
        input = x
        let batch = x.shape[0]
        let y = output.tensor([batch, outFeatures])
        let b = store.value(bias)
        for n in 0..<batch { (y.base + n * outFeatures).update(from: b, count: outFeatures) }
        BLAS.gemm(transposeA: false, transposeB: true, m: batch, n: outFeatures, k: inFeatures,
                  a: x.base, lda: inFeatures, b: store.value(weight), ldb: inFeatures, beta: 1, c: y.base, ldc: outFeatures)
        return y
    }

    /// Accumulates `dL/dW`, `dL/db` and returns `dL/dx`.
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        guard let x = input else { preconditionFailure("Linear.backward before forward") }
        let batch = x.shape[0]
        precondition(dy.shape == [batch, outFeatures], "Linear gradient shape \(dy.shape)")
        BLAS.gemm(transposeA: true, transposeB: false, m: outFeatures, n: inFeatures, k: batch,
                  a: dy.base, lda: outFeatures, b: x.base, ldb: inFeatures, beta: 1, c: store.gradient(weight), ldc: inFeatures)
        let db = store.gradient(bias)
        for n in 0..<batch {
            for o in 0..<outFeatures { db[o] += dy.base[n * outFeatures + o] }
        }
        let dx = inputGradient.tensor(x.shape)
        BLAS.gemm(transposeA: false, transposeB: false, m: batch, n: inFeatures, k: outFeatures,
                  a: dy.base, lda: outFeatures, b: store.value(weight), ldb: inFeatures, beta: 0, c: dx.base, ldc: inFeatures)
        return dx
    }
}
