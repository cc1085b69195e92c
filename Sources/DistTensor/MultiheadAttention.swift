import Foundation

/// Multi-head self-attention over channels-last sequences `[N, T, E]`, as PyTorch's
/// `nn.MultiheadAttention(E, heads, dropout, batch_first=True)` called with query = key = value = x: the same
/// parameters (`in_proj_weight [3E, E]`, `in_proj_bias [3E]`, `out_proj.weight [E, E]`, `out_proj.bias [E]`) and
/// initialisation (Xavier-uniform input projection, zero biases, ±1/√E output weights).
///
/// `[q, k, v] = x·W_inᵀ + b_in`; per head `P = softmax(q_h·k_hᵀ / √d)` over keys (d = E / heads), attention dropout
/// on `P` in training, `o_h = P·v_h`; `y = o·W_outᵀ + b_out`. The projections are GEMMs over all `N·T` rows and each
/// head's products GEMMs per sample; threads take fixed blocks of samples (as `Recurrent`). The dropout mask is a pure function of the key and
/// the element's index, so backward regenerates it instead of storing it. `AttentionReference` is the plain-loop
/// definition it is tested against. Runs in float32 in either `ComputePrecision`.
public final class MultiheadAttention {
    public let embedding: Int
    public let heads: Int
    public let dropout: Float
    public let inProjectionWeight: ParameterSlot
    public let inProjectionBias: ParameterSlot
    public let outProjectionWeight: ParameterSlot
    public let outProjectionBias: ParameterSlot

    private var input: Tensor?
    private var trainingKey: UInt64?
    private var projected = ReusableStorage()
    private var probabilities = ReusableStorage()
    private var attended = ReusableStorage()
    private var output = ReusableStorage()
    private var scratch = ReusableStorage()
    private var projectedGradient = ReusableStorage()
    private var attendedGradient = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(name: String, embedding: Int, heads: Int, dropout: Float, layout: inout ParameterLayout) {
        precondition(embedding > 0 && heads > 0 && embedding % heads == 0,
                     "attention width \(embedding) must be a positive multiple of its \(heads) heads")
        precondition(dropout >= 0 && dropout < 1, "attention dropout must be in [0, 1)")
        self.embedding = embedding
        self.heads = heads
        self.dropout = dropout
        let xavier = (6 / Float(embedding + 3 * embedding)).squareRoot()
        inProjectionWeight = layout.addParameter("\(name).in_proj_weight", shape: [3 * embedding, embedding],
                                                 initializer: .uniform(bound: xavier))
        inProjectionBias = layout.addParameter("\(name).in_proj_bias", shape: [3 * embedding], initializer: .constant(0))
        outProjectionWeight = layout.addParameter("\(name).out_proj.weight", shape: [embedding, embedding],
                                                  initializer: .uniform(bound: 1 / Float(embedding).squareRoot()))
        outProjectionBias = layout.addParameter("\(name).out_proj.bias", shape: [embedding], initializer: .constant(0))
    }

    /// Multiply-accumulates of one forward pass on one sequence of `steps`.
    public func multiplyAccumulates(steps: Int) -> Int {
        4 * steps * embedding * embedding + 2 * steps * steps * embedding
    }

    /// `y [N, T, E]` for `x [N, T, E]`; in training, attention dropout draws its mask from `dropoutKey` and the
    /// layer keeps its input, projections and attention weights for backward.
    public func forward(_ x: Tensor, _ store: ParameterStore, training: Bool, dropoutKey: UInt64 = 0) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[2] == embedding, "MultiheadAttention expects [N, T, \(embedding)], got \(x.shape)")
        let (batch, steps, e) = (x.shape[0], x.shape[1], embedding)
        let (heads, width) = (self.heads, embedding / heads)
        input = training ? x : nil
        trainingKey = training ? dropoutKey : nil
        let drop = training && dropout > 0
        let (keep, scale) = (1 - dropout, 1 / (1 - dropout))
        let qkv = projected.tensor([batch, steps, 3 * e])
        let p = probabilities.tensor([batch, heads, steps, steps])
        let o = attended.tensor([batch, steps, e])
        let y = output.tensor([batch, steps, e])
        let dropped = scratch.tensor(drop ? [batch, steps, steps] : [0])
        let (wIn, bIn, wOut, bOut) = (store.value(inProjectionWeight), store.value(inProjectionBias),
                                      store.value(outProjectionWeight), store.value(outProjectionBias))
        let temperature = 1 / Float(width).squareRoot()
        Parallel.forEachBlock(batch, block: Recurrent.samplesPerBlock) { samples in
            let (first, count) = (samples.lowerBound, samples.count)
            let rows = qkv.base + first * steps * 3 * e
            for row in 0..<(count * steps) { (rows + row * 3 * e).update(from: bIn, count: 3 * e) }
            BLAS.gemm(transposeA: false, transposeB: true, m: count * steps, n: 3 * e, k: e,
                      a: x.base + first * steps * e, lda: e, b: wIn, ldb: e, beta: 1, c: rows, ldc: 3 * e)
            for n in samples {
                let sample = qkv.base + n * steps * 3 * e
                for h in 0..<heads {
                    let (q, k, v) = (sample + h * width, sample + e + h * width, sample + 2 * e + h * width)
                    let weights = p.base + (n * heads + h) * steps * steps
                    BLAS.gemm(transposeA: false, transposeB: true, m: steps, n: steps, k: width, alpha: temperature,
                              a: q, lda: 3 * e, b: k, ldb: 3 * e, beta: 0, c: weights, ldc: steps)
                    for i in 0..<steps { MultiheadAttention.softmax(weights + i * steps, count: steps) }
                    var used = UnsafePointer(weights)
                    if drop {
                        let target = dropped.base + n * steps * steps
                        let offset = UInt64((n * heads + h) * steps * steps)
                        for i in 0..<(steps * steps) {
                            let mask: Float = RandomStream.uniform(key: dropoutKey, index: offset + UInt64(i)) < keep ? scale : 0
                            target[i] = weights[i] * mask
                        }
                        used = UnsafePointer(target)
                    }
                    BLAS.gemm(transposeA: false, transposeB: false, m: steps, n: width, k: steps, a: used, lda: steps,
                              b: v, ldb: 3 * e, beta: 0, c: o.base + n * steps * e + h * width, ldc: e)
                }
            }
            let out = y.base + first * steps * e
            for row in 0..<(count * steps) { (out + row * e).update(from: bOut, count: e) }
            BLAS.gemm(transposeA: false, transposeB: true, m: count * steps, n: e, k: e,
                      a: o.base + first * steps * e, lda: e, b: wOut, ldb: e, beta: 1, c: out, ldc: e)
        }
        return y
    }

    /// Accumulates the four parameters' gradients for `dy` (the last training forward's output gradient) and
    /// returns `dL/dx`.
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        guard let x = input, let key = trainingKey else { preconditionFailure("MultiheadAttention.backward before a training forward") }
        let (batch, steps, e) = (x.shape[0], x.shape[1], embedding)
        precondition(dy.shape == x.shape, "MultiheadAttention gradient shape \(dy.shape)")
        let (heads, width) = (self.heads, embedding / heads)
        let drop = dropout > 0
        let (keep, scale) = (1 - dropout, 1 / (1 - dropout))
        let qkv = projected.tensor([batch, steps, 3 * e])
        let p = probabilities.tensor([batch, heads, steps, steps])
        let o = attended.tensor([batch, steps, e])
        let dqkv = projectedGradient.tensor([batch, steps, 3 * e])
        let dO = attendedGradient.tensor([batch, steps, e])
        let dx = inputGradient.tensor(x.shape)
        // Two [T, T] scratch matrices per sample: the dropped weights, then the weights' gradient.
        let work = scratch.tensor([batch, 2, steps, steps])
        let (wIn, wOut) = (store.value(inProjectionWeight), store.value(outProjectionWeight))
        let temperature = 1 / Float(width).squareRoot()
        let rows = batch * steps
        let (gIn, gbIn, gOut, gbOut) = (store.gradient(inProjectionWeight), store.gradient(inProjectionBias),
                                        store.gradient(outProjectionWeight), store.gradient(outProjectionBias))
        MultiheadAttention.weightGradients(dy: dy.base, x: o.base, rows: rows, outputs: e, inputs: e, weight: gOut, bias: gbOut)
        Parallel.forEachBlock(batch, block: Recurrent.samplesPerBlock) { samples in
            let (first, count) = (samples.lowerBound, samples.count)
            BLAS.gemm(transposeA: false, transposeB: false, m: count * steps, n: e, k: e, a: dy.base + first * steps * e,
                      lda: e, b: wOut, ldb: e, beta: 0, c: dO.base + first * steps * e, ldc: e)
            for n in samples {
                let (sample, dSample) = (qkv.base + n * steps * 3 * e, dqkv.base + n * steps * 3 * e)
                let (used, dWeights) = (work.base + n * 2 * steps * steps, work.base + (n * 2 + 1) * steps * steps)
                for h in 0..<heads {
                    let (q, k, v) = (sample + h * width, sample + e + h * width, sample + 2 * e + h * width)
                    let (dq, dk, dv) = (dSample + h * width, dSample + e + h * width, dSample + 2 * e + h * width)
                    let dOh = dO.base + n * steps * e + h * width
                    let weights = p.base + (n * heads + h) * steps * steps
                    let offset = UInt64((n * heads + h) * steps * steps)
                    if drop {
                        for i in 0..<(steps * steps) {
                            let mask: Float = RandomStream.uniform(key: key, index: offset + UInt64(i)) < keep ? scale : 0
                            used[i] = weights[i] * mask
                        }
                    }
                    // dv = P'ᵀ·do, dP' = do·vᵀ.
                    BLAS.gemm(transposeA: true, transposeB: false, m: steps, n: width, k: steps, a: drop ? used : weights,
                              lda: steps, b: dOh, ldb: e, beta: 0, c: dv, ldc: 3 * e)
                    BLAS.gemm(transposeA: false, transposeB: true, m: steps, n: steps, k: width, a: dOh, lda: e, b: v,
                              ldb: 3 * e, beta: 0, c: dWeights, ldc: steps)
                    // Through dropout and softmax: dS = P ⊙ (dP − Σ_j dP·P) / √d.
                    for i in 0..<steps {
                        let (pRow, dRow) = (weights + i * steps, dWeights + i * steps)
                        var dot = 0.0
                        for j in 0..<steps {
                            if drop {
                                dRow[j] *= RandomStream.uniform(key: key, index: offset + UInt64(i * steps + j)) < keep ? scale : 0
                            }
                            dot += Double(dRow[j]) * Double(pRow[j])
                        }
                        let d = Float(dot)
                        for j in 0..<steps { dRow[j] = pRow[j] * (dRow[j] - d) * temperature }
                    }
                    // dq = dS·k, dk = dSᵀ·q.
                    BLAS.gemm(transposeA: false, transposeB: false, m: steps, n: width, k: steps, a: dWeights, lda: steps,
                              b: k, ldb: 3 * e, beta: 0, c: dq, ldc: 3 * e)
                    BLAS.gemm(transposeA: true, transposeB: false, m: steps, n: width, k: steps, a: dWeights, lda: steps,
                              b: q, ldb: 3 * e, beta: 0, c: dk, ldc: 3 * e)
                }
            }
            BLAS.gemm(transposeA: false, transposeB: false, m: count * steps, n: e, k: 3 * e,
                      a: dqkv.base + first * steps * 3 * e, lda: 3 * e, b: wIn, ldb: e, beta: 0,
                      c: dx.base + first * steps * e, ldc: e)
        }
        MultiheadAttention.weightGradients(dy: dqkv.base, x: x.base, rows: rows, outputs: 3 * e, inputs: e, weight: gIn, bias: gbIn)
        return dx
    }

    /// `dW += dyᵀ·x` and `db += Σ_rows dy` for a projection of `rows` rows, split by output rows over the threads
    /// (bias sums in Float64).
    static func weightGradients(dy: UnsafeMutablePointer<Float>, x: UnsafeMutablePointer<Float>, rows: Int, outputs: Int,
                                inputs: Int, weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>) {
        Parallel.forEachBlock(outputs, block: Recurrent.rowsPerBlock) { part in
            BLAS.gemm(transposeA: true, transposeB: false, m: part.count, n: inputs, k: rows, a: dy + part.lowerBound,
                      lda: outputs, b: x, ldb: inputs, beta: 1, c: weight + part.lowerBound * inputs, ldc: inputs)
            for o in part {
                var sum = 0.0
                for row in 0..<rows { sum += Double(dy[row * outputs + o]) }
                bias[o] += Float(sum)
            }
        }
    }

    /// `row ← softmax(row)` with the maximum subtracted, the normaliser summed in Float64.
    @inline(__always)
    static func softmax(_ row: UnsafeMutablePointer<Float>, count: Int) {
        var largest = -Float.infinity
        for j in 0..<count { largest = Swift.max(largest, row[j]) }
        var sum = 0.0
        for j in 0..<count {
            row[j] = Foundation.exp(row[j] - largest)
            sum += Double(row[j])
        }
        let inverse = Float(1 / sum)
        for j in 0..<count { row[j] *= inverse }
    }
}

/// The plain-loop definition of `MultiheadAttention`'s forward pass without dropout (Float64 sums, no GEMMs).
public enum AttentionReference {
    /// `y [N, T, E]` for `x [N, T, E]` with PyTorch's four parameters.
    public static func forward(x: [Float], batch: Int, steps: Int, embedding e: Int, heads: Int, inWeight: [Float],
                               inBias: [Float], outWeight: [Float], outBias: [Float]) -> [Float] {
        let width = e / heads
        var y = [Float](repeating: 0, count: batch * steps * e)
        for n in 0..<batch {
            var qkv = [Double](repeating: 0, count: steps * 3 * e)
            for t in 0..<steps {
                for r in 0..<(3 * e) {
                    var a = Double(inBias[r])
                    for k in 0..<e { a += Double(inWeight[r * e + k]) * Double(x[(n * steps + t) * e + k]) }
                    qkv[t * 3 * e + r] = a
                }
            }
            var o = [Double](repeating: 0, count: steps * e)
            for h in 0..<heads {
                for i in 0..<steps {
                    var scores = (0..<steps).map { j in
                        (0..<width).reduce(0.0) { $0 + qkv[i * 3 * e + h * width + $1] * qkv[j * 3 * e + e + h * width + $1] }
                            / Double(width).squareRoot()
                    }
                    let largest = scores.max() ?? 0
                    scores = scores.map { Foundation.exp($0 - largest) }
                    let total = scores.reduce(0, +)
                    for j in 0..<steps {
                        for c in 0..<width { o[i * e + h * width + c] += scores[j] / total * qkv[j * 3 * e + 2 * e + h * width + c] }
                    }
                }
            }
            for t in 0..<steps {
                for r in 0..<e {
                    var a = Double(outBias[r])
                    for k in 0..<e { a += Double(outWeight[r * e + k]) * o[t * e + k] }
                    y[(n * steps + t) * e + r] = Float(a)
                }
            }
        }
        return y
    }
}
