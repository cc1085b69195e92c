import Foundation

/// A stack of GRU or LSTM layers over channels-last sequences `[N, T, C]` (PyTorch's `batch_first=True`), with
/// inverted dropout between layers, as PyTorch's `nn.GRU` / `nn.LSTM`: the same gate order (GRU r, z, n; LSTM i, f,
/// g, o), parameter names (`weight_ih_l0 [G·H, C]`, `weight_hh_l0 [G·H, H]`, `bias_ih_l0`, `bias_hh_l0`) and
/// initialisation (uniform ±1/√H), zero initial states. `forward` returns every step's hidden state `[N, T, H]` of
/// the last layer.
///
/// GRU: `r = σ(xW_irᵀ + b_ir + hW_hrᵀ + b_hr)`, `z` likewise, `n = tanh(xW_inᵀ + b_in + r ⊙ (hW_hnᵀ + b_hn))`,
/// `h' = (1 − z) ⊙ n + z ⊙ h`. LSTM: `i, f, o = σ(…)`, `g = tanh(…)`, `c' = f ⊙ c + i ⊙ g`, `h' = o ⊙ tanh(c')`.
///
/// The input projection of all time steps is one GEMM per layer (per thread's share of the batch); the recurrent
/// projection is one GEMM per step. Threads take fixed blocks of samples, each running the whole time loop for its
/// block, so every output is computed by one thread, in the same way whatever their number. Backward runs through time and then makes the weight gradients as GEMMs
/// split by gate rows. `RecurrentReference` is the plain-loop definition the GEMM path is tested against.
/// Runs in float32 in either `ComputePrecision` (oneDNN's 2.6 RNN primitive is not used).
public final class Recurrent {
    /// The recurrent cell and its number of gates.
    public enum Cell: String, Sendable, Codable, CaseIterable {
        case gru, lstm
        public var gates: Int { self == .gru ? 3 : 4 }
    }

    /// One layer's parameter slots.
    public struct LayerSlots: Sendable {
        public let weightIH: ParameterSlot
        public let weightHH: ParameterSlot
        public let biasIH: ParameterSlot
        public let biasHH: ParameterSlot
        public let inputSize: Int
    }

    public let cell: Cell
    public let inputSize: Int
    public let hiddenSize: Int
    public let slots: [LayerSlots]
    /// False for a network's first layer, whose input gradient nobody needs.
    public var computesInputGradient = true

    private let dropouts: [Dropout]
    private var inputs: [Tensor] = []
    private var trained = false
    private var outputs: [ReusableStorage]
    /// Per step and sample `[N, T, 4H]`: GRU r, z, n and `hW_hnᵀ + b_hn`; LSTM i, f, g, o.
    private var saved: [ReusableStorage]
    /// LSTM cell states `[N, T, H]`.
    private var cells: [ReusableStorage]
    private var projection = ReusableStorage()
    private var recurrentGradient = ReusableStorage()
    private var stepProjection = ReusableStorage()
    private var carried = ReusableStorage()
    private var carriedCell = ReusableStorage()
    private var inputGradients: [ReusableStorage]

    public init(name: String, cell: Cell, inputSize: Int, hiddenSize: Int, layers: Int, dropout: Float,
                layout: inout ParameterLayout) {
        precondition(inputSize > 0 && hiddenSize > 0 && layers > 0, "recurrent sizes must be positive")
        self.cell = cell
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let rows = cell.gates * hiddenSize
        let bound = 1 / Float(hiddenSize).squareRoot()
        slots = (0..<layers).map { l in
            let input = l == 0 ? inputSize : hiddenSize
            return LayerSlots(
                weightIH: layout.addParameter("\(name).weight_ih_l\(l)", shape: [rows, input], initializer: .uniform(bound: bound)),
                weightHH: layout.addParameter("\(name).weight_hh_l\(l)", shape: [rows, hiddenSize], initializer: .uniform(bound: bound)),
                biasIH: layout.addParameter("\(name).bias_ih_l\(l)", shape: [rows], initializer: .uniform(bound: bound)),
                biasHH: layout.addParameter("\(name).bias_hh_l\(l)", shape: [rows], initializer: .uniform(bound: bound)),
                inputSize: input)
        }
        dropouts = (1..<max(layers, 1)).map { _ in Dropout(probability: dropout) }
        outputs = Array(repeating: ReusableStorage(), count: layers)
        saved = Array(repeating: ReusableStorage(), count: layers)
        cells = Array(repeating: ReusableStorage(), count: layers)
        inputGradients = Array(repeating: ReusableStorage(), count: layers)
    }

    public var layers: Int { slots.count }

    /// Multiply-accumulates of one forward pass on one sequence of `steps`.
    public func multiplyAccumulates(steps: Int) -> Int {
        slots.reduce(0) { $0 + steps * cell.gates * hiddenSize * ($1.inputSize + hiddenSize) }
    }

    /// Every step's last-layer hidden state `[N, T, H]` for `x` of `[N, T, inputSize]`; in training, dropout between
    /// layers draws its masks from `dropoutKey` and the layer keeps what backward needs.
    public func forward(_ x: Tensor, _ store: ParameterStore, training: Bool, dropoutKey: UInt64 = 0) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[2] == inputSize, "Recurrent expects [N, T, \(inputSize)], got \(x.shape)")
        trained = training
        inputs = []
        var h = x
        for l in 0..<layers {
            if l > 0 { h = dropouts[l - 1].forward(h, training: training, key: RandomStream.mix(dropoutKey ^ UInt64(l))) }
            inputs.append(h)
            h = forwardLayer(l, h, store)
        }
        return h
    }

    private func forwardLayer(_ l: Int, _ x: Tensor, _ store: ParameterStore) -> Tensor {
        let (batch, steps, inputs) = (x.shape[0], x.shape[1], x.shape[2])
        let (hidden, rows, cell) = (hiddenSize, cell.gates * hiddenSize, self.cell)
        let slot = slots[l]
        let projected = projection.tensor([batch, steps, rows])
        let y = outputs[l].tensor([batch, steps, hidden])
        let kept = saved[l].tensor([batch, steps, 4 * hidden])
        let c = cells[l].tensor(cell == .lstm ? [batch, steps, hidden] : [0])
        let recurrent = stepProjection.tensor([batch, rows])
        let (wIH, wHH, bIH, bHH) = (store.value(slot.weightIH), store.value(slot.weightHH), store.value(slot.biasIH),
                                    store.value(slot.biasHH))
        Parallel.forEachBlock(batch, block: Recurrent.samplesPerBlock) { samples in
            let (first, count) = (samples.lowerBound, samples.count)
            let p = projected.base + first * steps * rows
            for row in 0..<(count * steps) { (p + row * rows).update(from: bIH, count: rows) }
            BLAS.gemm(transposeA: false, transposeB: true, m: count * steps, n: rows, k: inputs,
                      a: x.base + first * steps * inputs, lda: inputs, b: wIH, ldb: inputs, beta: 1, c: p, ldc: rows)
            let q = recurrent.base + first * rows
            for t in 0..<steps {
                for n in 0..<count { (q + n * rows).update(from: bHH, count: rows) }
                if t > 0 {
                    BLAS.gemm(transposeA: false, transposeB: true, m: count, n: rows, k: hidden,
                              a: y.base + (first * steps + t - 1) * hidden, lda: steps * hidden, b: wHH, ldb: hidden,
                              beta: 1, c: q, ldc: rows)
                }
                for n in samples {
                    let index = n * steps + t
                    let (gi, gh) = (projected.base + index * rows, recurrent.base + n * rows)
                    let (h, s) = (y.base + index * hidden, kept.base + index * 4 * hidden)
                    let previous: UnsafeMutablePointer<Float>? = t > 0 ? h - hidden : nil
                    switch cell {
                    case .gru:
                        for j in 0..<hidden {
                            let r = Recurrent.sigmoid(gi[j] + gh[j])
                            let z = Recurrent.sigmoid(gi[hidden + j] + gh[hidden + j])
                            let hn = gh[2 * hidden + j]
                            let candidate = Foundation.tanh(gi[2 * hidden + j] + r * hn)
                            h[j] = (1 - z) * candidate + z * (previous?[j] ?? 0)
                            (s[j], s[hidden + j], s[2 * hidden + j], s[3 * hidden + j]) = (r, z, candidate, hn)
                        }
                    case .lstm:
                        let state = c.base + index * hidden
                        let previousState: UnsafeMutablePointer<Float>? = t > 0 ? state - hidden : nil
                        for j in 0..<hidden {
                            let i = Recurrent.sigmoid(gi[j] + gh[j])
                            let f = Recurrent.sigmoid(gi[hidden + j] + gh[hidden + j])
                            let g = Foundation.tanh(gi[2 * hidden + j] + gh[2 * hidden + j])
                            let o = Recurrent.sigmoid(gi[3 * hidden + j] + gh[3 * hidden + j])
                            state[j] = f * (previousState?[j] ?? 0) + i * g
                            h[j] = o * Foundation.tanh(state[j])
                            (s[j], s[hidden + j], s[2 * hidden + j], s[3 * hidden + j]) = (i, f, g, o)
                        }
                    }
                }
            }
        }
        return y
    }

    /// Accumulates every weight and bias gradient for `dy` (`[N, T, H]`, the last training forward's output
    /// gradient) and returns `dL/dx` (empty when `computesInputGradient` is false).
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        precondition(trained && inputs.count == layers, "Recurrent.backward without a training forward")
        var g = dy
        for l in (0..<layers).reversed() {
            g = backwardLayer(l, g, store, inputGradient: l > 0 || computesInputGradient)
            if l > 0 { g = dropouts[l - 1].backward(g) }
        }
        return g
    }

    private func backwardLayer(_ l: Int, _ dy: Tensor, _ store: ParameterStore, inputGradient: Bool) -> Tensor {
        let x = inputs[l]
        let (batch, steps, inputs) = (x.shape[0], x.shape[1], x.shape[2])
        let (hidden, rows, cell) = (hiddenSize, cell.gates * hiddenSize, self.cell)
        precondition(dy.shape == [batch, steps, hidden], "Recurrent gradient shape \(dy.shape)")
        let slot = slots[l]
        let y = outputs[l].tensor([batch, steps, hidden])
        let kept = saved[l].tensor([batch, steps, 4 * hidden])
        let c = cells[l].tensor(cell == .lstm ? [batch, steps, hidden] : [0])
        // Pre-activation gradients on the input side [N, T, G]; on the recurrent side the same for an LSTM, and with
        // the n-gate's entry multiplied by r for a GRU.
        let dInput = projection.tensor([batch, steps, rows])
        let dRecurrent = cell == .gru ? recurrentGradient.tensor([batch, steps, rows]) : dInput
        let dh = carried.tensor([batch, hidden])
        let dc = carriedCell.tensor([batch, hidden])
        let dx = inputGradient ? inputGradients[l].tensor([batch, steps, inputs]) : Tensor(zeros: [0])
        let wHH = store.value(slot.weightHH)
        let wIH = store.value(slot.weightIH)
        Parallel.forEachBlock(batch, block: Recurrent.samplesPerBlock) { samples in
            let (first, count) = (samples.lowerBound, samples.count)
            (dh.base + first * hidden).update(repeating: 0, count: count * hidden)
            (dc.base + first * hidden).update(repeating: 0, count: count * hidden)
            for t in (0..<steps).reversed() {
                for n in samples {
                    let index = n * steps + t
                    let (s, upstream) = (kept.base + index * 4 * hidden, dy.base + index * hidden)
                    let (carry, di, dr) = (dh.base + n * hidden, dInput.base + index * rows, dRecurrent.base + index * rows)
                    switch cell {
                    case .gru:
                        let previous: UnsafeMutablePointer<Float>? = t > 0 ? y.base + (index - 1) * hidden : nil
                        for j in 0..<hidden {
                            let total = upstream[j] + carry[j]
                            let (r, z, candidate, hn) = (s[j], s[hidden + j], s[2 * hidden + j], s[3 * hidden + j])
                            let dCandidate = total * (1 - z) * (1 - candidate * candidate)
                            let dz = total * ((previous?[j] ?? 0) - candidate) * z * (1 - z)
                            let drPre = dCandidate * hn * r * (1 - r)
                            (di[j], di[hidden + j], di[2 * hidden + j]) = (drPre, dz, dCandidate)
                            (dr[j], dr[hidden + j], dr[2 * hidden + j]) = (drPre, dz, dCandidate * r)
                            carry[j] = total * z
                        }
                    case .lstm:
                        let state = c.base + index * hidden
                        let carryCell = dc.base + n * hidden
                        for j in 0..<hidden {
                            let total = upstream[j] + carry[j]
                            let (i, f, g, o) = (s[j], s[hidden + j], s[2 * hidden + j], s[3 * hidden + j])
                            let squashed = Foundation.tanh(state[j])
                            let dState = carryCell[j] + total * o * (1 - squashed * squashed)
                            let previousState = t > 0 ? state[j - hidden] : 0
                            di[j] = dState * g * i * (1 - i)
                            di[hidden + j] = dState * previousState * f * (1 - f)
                            di[2 * hidden + j] = dState * i * (1 - g * g)
                            di[3 * hidden + j] = total * squashed * o * (1 - o)
                            carryCell[j] = dState * f
                            carry[j] = 0
                        }
                    }
                }
                if t > 0 {
                    BLAS.gemm(transposeA: false, transposeB: false, m: count, n: hidden, k: rows,
                              a: dRecurrent.base + (first * steps + t) * rows, lda: steps * rows, b: wHH, ldb: hidden,
                              beta: 1, c: dh.base + first * hidden, ldc: hidden)
                }
            }
            if inputGradient {
                BLAS.gemm(transposeA: false, transposeB: false, m: count * steps, n: inputs, k: rows,
                          a: dInput.base + first * steps * rows, lda: rows, b: wIH, ldb: inputs, beta: 0,
                          c: dx.base + first * steps * inputs, ldc: inputs)
            }
        }
        // Weight and bias gradients, split by gate rows: dW_ih += dInputᵀ·x, dW_hh += Σ_t dRecurrent_tᵀ·h_{t−1}.
        let (gIH, gHH, gbIH, gbHH) = (store.gradient(slot.weightIH), store.gradient(slot.weightHH),
                                      store.gradient(slot.biasIH), store.gradient(slot.biasHH))
        Parallel.forEachBlock(rows, block: Recurrent.rowsPerBlock) { part in
            let (first, count) = (part.lowerBound, part.count)
            BLAS.gemm(transposeA: true, transposeB: false, m: count, n: inputs, k: batch * steps,
                      a: dInput.base + first, lda: rows, b: x.base, ldb: inputs, beta: 1, c: gIH + first * inputs, ldc: inputs)
            if steps > 1 {
                for n in 0..<batch {
                    BLAS.gemm(transposeA: true, transposeB: false, m: count, n: hidden, k: steps - 1,
                              a: dRecurrent.base + (n * steps + 1) * rows + first, lda: rows, b: y.base + n * steps * hidden,
                              ldb: hidden, beta: 1, c: gHH + first * hidden, ldc: hidden)
                }
            }
            for row in part {
                var (sumInput, sumRecurrent) = (0.0, 0.0)
                for index in 0..<(batch * steps) {
                    sumInput += Double(dInput.base[index * rows + row])
                    sumRecurrent += Double(dRecurrent.base[index * rows + row])
                }
                gbIH[row] += Float(sumInput)
                gbHH[row] += Float(sumRecurrent)
            }
        }
        return dx
    }

    /// Samples per block of the batch split (threads take whole blocks, so the bits do not depend on their number; a
    /// rank's batch of at most this many runs on one thread) and gate rows per block of the weight-gradient split.
    static let samplesPerBlock = 8
    static let rowsPerBlock = 32

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 1 / (1 + Foundation.exp(-x)) }
}

/// The plain-loop definition of `Recurrent`'s forward pass (one layer, Float64 sums, no GEMMs), which the GEMM path
/// is tested against.
public enum RecurrentReference {
    /// Hidden states `[N, T, H]` of one `cell` layer with weights `[G·H, C]`, `[G·H, H]` and biases `[G·H]`.
    public static func forward(cell: Recurrent.Cell, x: [Float], batch: Int, steps: Int, inputs: Int, hidden: Int,
                               weightIH: [Float], weightHH: [Float], biasIH: [Float], biasHH: [Float]) -> [Float] {
        let rows = cell.gates * hidden
        var y = [Float](repeating: 0, count: batch * steps * hidden)
        func sigmoid(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }
        for n in 0..<batch {
            var h = [Double](repeating: 0, count: hidden)
            var c = [Double](repeating: 0, count: hidden)
            for t in 0..<steps {
                var gi = [Double](repeating: 0, count: rows)
                var gh = [Double](repeating: 0, count: rows)
                for row in 0..<rows {
                    var a = Double(biasIH[row])
                    for k in 0..<inputs { a += Double(weightIH[row * inputs + k]) * Double(x[(n * steps + t) * inputs + k]) }
                    var b = Double(biasHH[row])
                    for k in 0..<hidden { b += Double(weightHH[row * hidden + k]) * h[k] }
                    (gi[row], gh[row]) = (a, b)
                }
                var next = h
                for j in 0..<hidden {
                    switch cell {
                    case .gru:
                        let r = sigmoid(gi[j] + gh[j]), z = sigmoid(gi[hidden + j] + gh[hidden + j])
                        let candidate = Foundation.tanh(gi[2 * hidden + j] + r * gh[2 * hidden + j])
                        next[j] = (1 - z) * candidate + z * h[j]
                    case .lstm:
                        let i = sigmoid(gi[j] + gh[j]), f = sigmoid(gi[hidden + j] + gh[hidden + j])
                        let g = Foundation.tanh(gi[2 * hidden + j] + gh[2 * hidden + j])
                        let o = sigmoid(gi[3 * hidden + j] + gh[3 * hidden + j])
                        c[j] = f * c[j] + i * g
                        next[j] = o * Foundation.tanh(c[j])
                    }
                }
                h = next
                for j in 0..<hidden { y[(n * steps + t) * hidden + j] = Float(h[j]) }
            }
        }
        return y
    }
}
