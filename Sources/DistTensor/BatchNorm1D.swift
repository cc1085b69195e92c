import CDNNL

/// Batch normalisation per channel of channels-last `[N, L, C]` activations, as PyTorch's `BatchNorm1d`.
///
/// Training normalises with the biased batch variance and moves the running variance
/// towards the unbiased one (momentum 0.1, eps 1e-5 by default); evaluation uses the
/// running statistics. Sums run in Float64 over blocks of `statisticsBlock` rows, vectorised over the
/// channels, and the blocks are added in order, so results do not depend on the thread count. The loops are
/// CDNNL's (`cdnnl_kernels.h`: AVX-512 where the CPU has it, the same bits either way).
public final class BatchNorm1D {
    public let channels: Int
    public let epsilon: Float
    public let momentum: Float
    public let weight: ParameterSlot
    public let bias: ParameterSlot
    public let runningMean: ParameterSlot
    public let runningVariance: ParameterSlot
    /// When set, training statistics and their gradients are summed over the group's ranks (sync BN), so
    /// the result does not depend on how the batch is split.
    public var synchronization: ProcessGroup?
    /// Writes the output as bfloat16, for a bfloat16 convolution that reads it next (the rounding that convolution
    /// would apply anyway, done once, in half the memory). The input may be bfloat16 either way.
    public var bfloat16Output = false

    private var input: Tensor?
    /// The output of a training forward that applied ReLU: backward passes gradient only where it is positive,
    /// multiplied by `rectifiedScale` (dropout's 1/(1 − p) when the forward applied a mask, else 1).
    private var rectified: Tensor?
    private var rectifiedScale: Float = 1
    /// Per channel: batch mean, 1/√(σ² + ε), and the affine map of the last forward, `y = scale·x + shift`.
    private let mean: UnsafeMutablePointer<Float>
    private let inverseStd: UnsafeMutablePointer<Float>
    private let scale: UnsafeMutablePointer<Float>
    private let shift: UnsafeMutablePointer<Float>
    private var variance: [Double]
    private var statisticsCount = 0
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()
    /// Per-block partial sums (up to two sets of `channels` per block).
    private var partials: [Double] = []

    /// Rows (time steps of a sample) per block of partial sums.
    static let statisticsBlock = 128

    public init(name: String, channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, layout: inout ParameterLayout) {
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        weight = layout.addParameter("\(name).weight", shape: [channels], initializer: .constant(1))
        bias = layout.addParameter("\(name).bias", shape: [channels], initializer: .constant(0))
        runningMean = layout.addBuffer("\(name).running_mean", shape: [channels], initializer: .constant(0))
        runningVariance = layout.addBuffer("\(name).running_var", shape: [channels], initializer: .constant(1))
        mean = .allocate(capacity: 4 * channels)
        mean.initialize(repeating: 0, count: 4 * channels)
        (inverseStd, scale, shift) = (mean + channels, mean + 2 * channels, mean + 3 * channels)
        variance = [Double](repeating: 1, count: channels)
    }

    deinit { mean.deallocate() }

    /// Normalises `x`, then in the same pass adds `residual` (a block's shortcut), applies ReLU when `rectify` is set
    /// and multiplies by `dropout`'s mask (only after a ReLU: element `i` kept, and scaled by 1/(1 − p), when
    /// `RandomStream.uniform(key: key, index: i) < 1 − p`, as `Dropout.forward`). In training it also updates the
    /// running statistics and keeps `x` for `backward`, which then undoes the ReLU and the mask too (the output is
    /// positive exactly where both passed gradient), so a block's ReLU, dropout and residual sum cost no pass of their own.
    public func forward(_ x: Tensor, _ store: ParameterStore, training: Bool, rectify: Bool = false,
                        adding residual: Tensor? = nil, dropout: (probability: Float, key: UInt64)? = nil) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[2] == channels,
                     "BatchNorm1D expects [N, L, \(channels)] (channels last), got \(x.shape)")
        precondition(residual == nil || residual!.shape == x.shape, "BatchNorm1D residual \(residual!.shape) != \(x.shape)")
        precondition(dropout == nil || rectify, "BatchNorm1D applies dropout only after its ReLU")
        let draw = dropout.flatMap { $0.probability > 0 ? cdnnl_dropout(key: $0.key, keep: 1 - $0.probability,
                                                                       scale: 1 / (1 - $0.probability)) : nil }
        let rows = x.shape[0] * x.shape[1]
        let y = output.tensor(x.shape, bfloat16: bfloat16Output)
        let (gamma, beta) = (store.value(weight), store.value(bias))
        let (runMean, runVar) = (store.buffer(runningMean), store.buffer(runningVariance))
        if training {
            input = x
            rectified = rectify ? y : nil
            rectifiedScale = draw?.scale ?? 1
            computeBatchStatistics(x, rows: rows)
            let n = Double(statisticsCount)
            let unbiased = n > 1 ? n / (n - 1) : 1
            for c in 0..<channels {
                runMean[c] = (1 - momentum) * runMean[c] + momentum * mean[c]
                runVar[c] = (1 - momentum) * runVar[c] + momentum * Float(variance[c] * unbiased)
                scale[c] = gamma[c] * inverseStd[c]
                shift[c] = beta[c] - mean[c] * scale[c]
            }
        } else {
            let epilogue = evaluationEpilogue(store, rectify: false)
            for c in 0..<channels { (scale[c], shift[c]) = (epilogue.scale[c], epilogue.shift[c]) }
        }
        let channels = self.channels
        let (xLow, yLow) = (x.isBFloat16, y.isBFloat16)
        let shared = UncheckedSendable((Activation(x), Activation(y), residual?.base, scale, shift))
        Parallel.forEachChunk(rows, grain: 64) { range in
            let (x, y, residual, scale, shift) = shared.value
            let offset = range.lowerBound * channels
            let apply = { (mask: UnsafePointer<cdnnl_dropout>?) in
                cdnnl_bn_apply(x.at(offset), xLow ? 1 : 0, y.at(offset), yLow ? 1 : 0, residual.map { $0 + offset },
                               range.count, channels, scale, shift, rectify ? 1 : 0, mask, range.lowerBound)
            }
            if let draw { withUnsafePointer(to: draw) { apply($0) } } else { apply(nil) }
        }
        return y
    }

    /// The storage `forward` writes an output of `shape` into (bfloat16 with `bfloat16Output`), for a convolution
    /// with this BatchNorm folded in (`evaluationEpilogue`) to write its output there: evaluation then holds no
    /// activation memory that training does not.
    public func outputTensor(_ shape: [Int]) -> Tensor { output.tensor(shape, bfloat16: bfloat16Output) }

    /// Evaluation-mode normalisation as a per-channel affine map `γ(x − μ_run)/√(σ²_run + ε) + β`, for a
    /// convolution to fold into its weights (`rectify` adds the ReLU that follows).
    public func evaluationEpilogue(_ store: ParameterStore, rectify: Bool) -> ChannelEpilogue {
        let (gamma, beta) = (store.value(weight), store.value(bias))
        let (runMean, runVar) = (store.buffer(runningMean), store.buffer(runningVariance))
        let scale = (0..<channels).map { gamma[$0] / (runVar[$0] + epsilon).squareRoot() }
        return ChannelEpilogue(scale: scale, shift: (0..<channels).map { beta[$0] - runMean[$0] * scale[$0] }, rectify: rectify)
    }

    /// Accumulates `dL/dγ`, `dL/dβ` and returns `dL/dx` for the last training forward. `dy` is overwritten
    /// (zeroed where a fused ReLU or dropout was off, scaled where dropout kept it: the gradient at the
    /// normalisation's output, which is also the residual's when the forward added one); with `inPlace` it receives `dL/dx` itself, which saves a buffer
    /// of activation size where the caller needs `dy` no longer.
    public func backward(_ dy: Tensor, _ store: ParameterStore, inPlace: Bool = false) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm1D.backward before a training forward") }
        precondition(dy.shape == x.shape, "BatchNorm1D gradient shape \(dy.shape) != \(x.shape)")
        let (rows, channels) = (x.shape[0] * x.shape[1], self.channels)
        let dx = inPlace ? dy : inputGradient.tensor(x.shape)
        // Per channel: Σ dy and Σ dy·(x − μ) over this rank's batch. After a fused ReLU (and dropout), dy is first
        // zeroed where the output was not positive (and scaled where it was), in the same pass.
        let mean = self.mean
        let (input, rectified, rectifiedScale) = (Activation(x), self.rectified.map(Activation.init), self.rectifiedScale)
        var sums = blockSums(rows: rows, sets: 2) { range, partial in
            let offset = range.lowerBound * channels
            cdnnl_bn_backward_sums(input.at(offset), input.low, dy.base + offset, rectified?.at(offset), rectified?.low ?? 0,
                                   rectifiedScale, range.count, channels, mean, partial)
        }
        for c in 0..<channels { sums[channels + c] *= Double(inverseStd[c]) }
        // dβ and dγ take this rank's sums (the gradient all-reduce adds the other ranks'); dx needs the
        // sums over every sample the statistics came from, so with sync BN they are reduced first.
        let (dGamma, dBeta, gamma) = (store.gradient(weight), store.gradient(bias), store.value(weight))
        for c in 0..<channels {
            dBeta[c] += Float(sums[c])
            dGamma[c] += Float(sums[channels + c])
        }
        sums.withUnsafeMutableBufferPointer { synchronize($0) }
        let count = Double(statisticsCount)
        // dx = γ/σ · (dy − mean(dy) − x̂·mean(dy·x̂)), x̂ = (x − μ)/σ.
        let coefficients = UnsafeMutablePointer<Float>.allocate(capacity: 3 * channels)
        defer { coefficients.deallocate() }
        for c in 0..<channels {
            coefficients[c] = gamma[c] * inverseStd[c]
            coefficients[channels + c] = Float(sums[c] / count)
            coefficients[2 * channels + c] = Float(sums[channels + c] / count)
        }
        let shared = UncheckedSendable((input, dy.base, dx.base, coefficients, mean, inverseStd))
        Parallel.forEachChunk(rows, grain: 64) { range in
            let (x, dy, dx, k, mean, inverseStd) = shared.value
            let offset = range.lowerBound * channels
            cdnnl_bn_backward_input(x.at(offset), x.low, dy + offset, dx + offset, range.count, channels, k, mean, inverseStd)
        }
        return dx
    }

    /// Sets `mean`, `variance`, `inverseStd` and `statisticsCount` from the batch: a pass for the
    /// mean, then one for squared deviations from it, each summed over the synchronisation group when there
    /// is one.
    private func computeBatchStatistics(_ x: Tensor, rows: Int) {
        let channels = self.channels
        let input = Activation(x)
        var sums = blockSums(rows: rows, sets: 1) { range, partial in
            cdnnl_bn_sum(input.at(range.lowerBound * channels), input.low, range.count, channels, partial)
        }
        sums.append(Double(rows))
        sums.withUnsafeMutableBufferPointer { synchronize($0) }
        statisticsCount = Int(sums[channels])
        let total = sums[channels]
        for c in 0..<channels { mean[c] = Float(sums[c] / total) }
        let mean = self.mean
        var squares = blockSums(rows: rows, sets: 1) { range, partial in
            cdnnl_bn_sum_squared_deviations(input.at(range.lowerBound * channels), input.low, range.count, channels, mean,
                                            partial)
        }
        squares.withUnsafeMutableBufferPointer { synchronize($0) }
        for c in 0..<channels {
            variance[c] = squares[c] / total
            inverseStd[c] = Float(1 / (variance[c] + Double(epsilon)).squareRoot())
        }
    }

    /// `sets × channels` sums over the rows: `accumulate(rows, partial)` adds its rows into a zeroed Float64
    /// `partial` of one block; the blocks are then added in order.
    private func blockSums(rows: Int, sets: Int,
                           _ accumulate: @escaping (Range<Int>, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        let width = sets * channels
        let block = BatchNorm1D.statisticsBlock
        let blocks = (rows + block - 1) / block
        if partials.count < blocks * width { partials = [Double](repeating: 0, count: blocks * width) }
        var sums = [Double](repeating: 0, count: width)
        partials.withUnsafeMutableBufferPointer { partials in
            let shared = UncheckedSendable((partials.baseAddress!, accumulate))
            Parallel.forEachChunk(blocks) { range in
                let (partial, accumulate) = shared.value
                for b in range {
                    let target = partial + b * width
                    target.update(repeating: 0, count: width)
                    accumulate((b * block)..<Swift.min(rows, (b + 1) * block), target)
                }
            }
            for b in 0..<blocks {
                let source = partials.baseAddress! + b * width
                for i in 0..<width { sums[i] += source[i] }
            }
        }
        return sums
    }

    /// Sums `values` over the synchronisation group, if any. A failed collective ends the job with a
    /// message: a rank that went on alone would leave the others waiting forever.
    private func synchronize(_ values: UnsafeMutableBufferPointer<Double>) {
        guard let group = synchronization, group.size > 1 else { return }
        do {
            try group.allReduceSum(values)
        } catch {
            group.abort(message: "synchronised BatchNorm: \(error)")
        }
    }
}

/// An activation's memory as the CDNNL loops take it: float32 or bfloat16 elements (`low` 1) from `base`.
private struct Activation: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let low: Int32

    init(_ tensor: Tensor) {
        base = UnsafeMutableRawPointer(tensor.base)
        low = tensor.isBFloat16 ? 1 : 0
    }

    /// The address of element `index`.
    func at(_ index: Int) -> UnsafeMutableRawPointer { base + index * (low == 1 ? 2 : 4) }
}
