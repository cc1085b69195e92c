/// Batch normalisation over `[N, C, L]` per channel, as PyTorch's `BatchNorm1d`.
///
/// Training normalises with the biased batch variance and moves the running variance
/// towards the unbiased one (momentum 0.1, eps 1e-5 by default); evaluation uses the
/// running statistics. Sums are accumulated in Float64.
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

    private var input: Tensor?
    /// The output of a training forward that applied ReLU: backward passes gradient only where it is positive.
    private var rectified: Tensor?
    private var mean: [Float]
    private var inverseStd: [Float]
    private var variance: [Double]
    /// The affine map of the last forward, `y = scale·x + shift` per channel.
    private var scale: [Float]
    private var shift: [Float]
    private var statisticsCount = 0
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    public init(name: String, channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1, layout: inout ParameterLayout) {
        self.channels = channels
        self.epsilon = epsilon
        self.momentum = momentum
        weight = layout.addParameter("\(name).weight", shape: [channels], initializer: .constant(1))
        bias = layout.addParameter("\(name).bias", shape: [channels], initializer: .constant(0))
        runningMean = layout.addBuffer("\(name).running_mean", shape: [channels], initializer: .constant(0))
        runningVariance = layout.addBuffer("\(name).running_var", shape: [channels], initializer: .constant(1))
        mean = [Float](repeating: 0, count: channels)
        inverseStd = [Float](repeating: 1, count: channels)
        variance = [Double](repeating: 1, count: channels)
        scale = [Float](repeating: 1, count: channels)
        shift = [Float](repeating: 0, count: channels)
    }

    /// Normalises `x` (then applies ReLU when `rectify` is set, in the same pass); in training also updates
    /// the running statistics and keeps `x` for `backward`, which then also undoes the ReLU.
    public func forward(_ x: Tensor, _ store: ParameterStore, training: Bool, rectify: Bool = false) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[1] == channels, "BatchNorm1D expects [N, \(channels), L], got \(x.shape)")
        let (batch, length) = (x.shape[0], x.shape[2])
        let y = output.tensor(x.shape)
        let (gamma, beta) = (store.value(weight), store.value(bias))
        let (runMean, runVar) = (store.buffer(runningMean), store.buffer(runningVariance))
        if training {
            input = x
            rectified = rectify ? y : nil
            computeBatchStatistics(x, batch: batch, length: length)
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
            (scale, shift) = (epilogue.scale, epilogue.shift)
        }
        let (channels, scale, shift) = (self.channels, self.scale, self.shift)
        let shared = UncheckedSendable((x.base, y.base))
        Parallel.forEachChunk(batch * channels, grain: 4) { rows in
            let (x, y) = shared.value
            for row in rows {
                let c = row % channels
                let (source, target) = (x + row * length, y + row * length)
                if rectify {
                    for t in 0..<length { target[t] = Swift.max(source[t] * scale[c] + shift[c], 0) }
                } else {
                    for t in 0..<length { target[t] = source[t] * scale[c] + shift[c] }
                }
            }
        }
        return y
    }

    /// Evaluation-mode normalisation as a per-channel affine map `γ(x − μ_run)/√(σ²_run + ε) + β`, for a
    /// convolution to apply while it writes (`rectify` adds the ReLU that follows).
    public func evaluationEpilogue(_ store: ParameterStore, rectify: Bool) -> ChannelEpilogue {
        let (gamma, beta) = (store.value(weight), store.value(bias))
        let (runMean, runVar) = (store.buffer(runningMean), store.buffer(runningVariance))
        let scale = (0..<channels).map { gamma[$0] / (runVar[$0] + epsilon).squareRoot() }
        return ChannelEpilogue(scale: scale, shift: (0..<channels).map { beta[$0] - runMean[$0] * scale[$0] }, rectify: rectify)
    }

    /// Accumulates `dL/dγ`, `dL/dβ` and returns `dL/dx` for the last training forward.
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        guard let x = input else { preconditionFailure("BatchNorm1D.backward before a training forward") }
        precondition(dy.shape == x.shape, "BatchNorm1D gradient shape \(dy.shape) != \(x.shape)")
        let (batch, length, channels) = (x.shape[0], x.shape[2], self.channels)
        let dx = inputGradient.tensor(x.shape)
        // Per channel: Σ dy and Σ dy·x̂ over this rank's batch. After a fused ReLU, dy is first zeroed where
        // the output was not positive, in the same pass.
        var sums = [Double](repeating: 0, count: 2 * channels)
        let (mean, inverseStd) = (self.mean, self.inverseStd)
        sums.withUnsafeMutableBufferPointer { sums in
            let shared = UncheckedSendable((x.base, dy.base, sums.baseAddress!, rectified?.base))
            Parallel.forEachChunk(channels, grain: 2) { range in
                let (x, dy, sums, rectified) = shared.value
                for c in range {
                    var sumDy = 0.0, sumDyXhat = 0.0
                    for n in 0..<batch {
                        let offset = (n * channels + c) * length
                        var a: Float = 0, b: Float = 0
                        if let rectified {
                            for t in 0..<length {
                                if !(rectified[offset + t] > 0) { dy[offset + t] = 0 }
                                let g = dy[offset + t]
                                a += g
                                b += g * (x[offset + t] - mean[c])
                            }
                        } else {
                            for t in 0..<length {
                                let g = dy[offset + t]
                                a += g
                                b += g * (x[offset + t] - mean[c])
                            }
                        }
                        sumDy += Double(a)
                        sumDyXhat += Double(b)
                    }
                    sums[c] = sumDy
                    sums[channels + c] = sumDyXhat * Double(inverseStd[c])
                }
            }
        }
        // dβ and dγ take this rank's sums (the gradient all-reduce adds the other ranks'); dx needs the
        // sums over every sample the statistics came from, so with sync BN they are reduced first.
        let (dGamma, dBeta, gamma) = (store.gradient(weight), store.gradient(bias), store.value(weight))
        for c in 0..<channels {
            dBeta[c] += Float(sums[c])
            dGamma[c] += Float(sums[channels + c])
        }
        sums.withUnsafeMutableBufferPointer { synchronize($0) }
        let count = Double(statisticsCount)
        let meanDy = sums[0..<channels].map { Float($0 / count) }
        let meanDyXhat = sums[channels...].map { Float($0 / count) }
        let shared = UncheckedSendable((x.base, dy.base, dx.base))
        Parallel.forEachChunk(batch * channels, grain: 4) { rows in
            let (x, dy, dx) = shared.value
            for row in rows {
                let c = row % channels
                let (scale, m, s) = (gamma[c] * inverseStd[c], mean[c], inverseStd[c])
                let (a, b) = (meanDy[c], meanDyXhat[c])
                let offset = row * length
                for t in 0..<length {
                    let xhat = (x[offset + t] - m) * s
                    dx[offset + t] = scale * (dy[offset + t] - a - xhat * b)
                }
            }
        }
        return dx
    }

    /// Sets `mean`, `variance`, `inverseStd` and `statisticsCount` from the batch: a pass for the
    /// mean, then one for squared deviations from it (Float64 across rows), each summed over the
    /// synchronisation group when there is one.
    private func computeBatchStatistics(_ x: Tensor, batch: Int, length: Int) {
        let channels = self.channels
        var sums = [Double](repeating: 0, count: channels + 1)
        sums[channels] = Double(batch * length)
        sums.withUnsafeMutableBufferPointer { sums in
            let shared = UncheckedSendable((x.base, sums.baseAddress!))
            Parallel.forEachChunk(channels, grain: 2) { range in
                let (x, sums) = shared.value
                for c in range {
                    var sum = 0.0
                    for n in 0..<batch {
                        let row = x + (n * channels + c) * length
                        var partial: Float = 0
                        for t in 0..<length { partial += row[t] }
                        sum += Double(partial)
                    }
                    sums[c] = sum
                }
            }
            synchronize(sums)
        }
        statisticsCount = Int(sums[channels])
        let total = sums[channels]
        for c in 0..<channels { mean[c] = Float(sums[c] / total) }
        let mean = self.mean
        var squares = [Double](repeating: 0, count: channels)
        squares.withUnsafeMutableBufferPointer { squares in
            let shared = UncheckedSendable((x.base, squares.baseAddress!))
            Parallel.forEachChunk(channels, grain: 2) { range in
                let (x, squares) = shared.value
                for c in range {
                    var sum = 0.0
                    let m = mean[c]
                    for n in 0..<batch {
                        let row = x + (n * channels + c) * length
                        var partial: Float = 0
                        for t in 0..<length { let d = row[t] - m; partial += d * d }
                        sum += Double(partial)
                    }
                    squares[c] = sum
                }
            }
            synchronize(squares)
        }
        for c in 0..<channels {
            variance[c] = squares[c] / total
            inverseStd[c] = Float(1 / (variance[c] + Double(epsilon)).squareRoot())
        }
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
