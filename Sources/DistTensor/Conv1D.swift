/// 1-D convolution, `y[n, o, t] = b[o] + Σ_{i,k} w[o, i, k] · x[n, i, t·stride + k − padding]`,
/// with weights `[out, in, kernel]` as PyTorch's `Conv1d`.
///
/// The fast path splits the batch over `Parallel.threadCount` workers; each lowers groups of its
/// samples to an im2col matrix `[in·kernel, group·outLength]` and makes one single-threaded GEMM of
/// it, so the short late stages still give OpenBLAS wide matrices and no thread waits on another.
/// `Conv1DReference` below is the plain-loop definition it is tested against.
public final class Conv1D {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let weight: ParameterSlot
    public let bias: ParameterSlot?
    /// False for a network's first layer, whose input gradient nobody needs.
    public var computesInputGradient = true

    private let workspace: Workspace
    private var input: Tensor?
    private var output = ReusableStorage()
    private var inputGradient = ReusableStorage()

    /// Bytes of im2col matrix per GEMM: samples are grouped up to this size, so the matrices of all
    /// workers stay in the shared L3 cache (measured on the 2-core development machine: 4 MB beat 8, 16
    /// and 36 MB, most with two ranks sharing the cache).
    static let columnBytesPerGroup = 4_000_000
    /// Workspace slots per worker: columns, GEMM product or gathered gradient, column gradient,
    /// weight-gradient partial.
    private static let slotsPerWorker = 4

    public init(name: String, inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1,
                padding: Int = 0, bias: Bool = false, layout: inout ParameterLayout, workspace: Workspace) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0)
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.workspace = workspace
        weight = layout.addParameter("\(name).weight", shape: [outChannels, inChannels, kernelSize],
                                     initializer: .kaimingNormalFanOut(fanOut: outChannels * kernelSize))
        self.bias = bias
            ? layout.addParameter("\(name).bias", shape: [outChannels],
                                  initializer: .uniform(bound: 1 / Float(inChannels * kernelSize).squareRoot()))
            : nil
    }

    /// Output length for an input of `length` samples.
    public func outputLength(_ length: Int) -> Int {
        (length + 2 * padding - kernelSize) / stride + 1
    }

    /// Multiply-accumulates of one forward pass on one sample of `length`.
    public func multiplyAccumulates(length: Int) -> Int {
        outChannels * inChannels * kernelSize * outputLength(length)
    }

    /// `y = conv(x)`, then `epilogue` (if given) on each output channel as it is written; keeps `x` for
    /// `backward`.
    public func forward(_ x: Tensor, _ store: ParameterStore, epilogue: ChannelEpilogue? = nil) -> Tensor {
        precondition(x.shape.count == 3 && x.shape[1] == inChannels, "Conv1D expects [N, \(inChannels), L], got \(x.shape)")
        let (batch, length) = (x.shape[0], x.shape[2])
        let outLength = outputLength(length)
        precondition(outLength > 0, "input of length \(length) is shorter than the kernel")
        input = x
        let y = output.tensor([batch, outChannels, outLength])
        let rows = inChannels * kernelSize
        let workers = Parallel.workerCount(for: batch)
        let group = groupSize(batch: (batch + workers - 1) / workers, outLength: outLength)
        let scratch = UncheckedSendable((0..<workers).map { worker in
            (columns: workspace.scratch(worker * Conv1D.slotsPerWorker, count: rows * group * outLength),
             product: workspace.scratch(worker * Conv1D.slotsPerWorker + 1, count: outChannels * group * outLength))
        })
        let bias = self.bias.map { Array(UnsafeBufferPointer(start: store.value($0), count: $0.count)) }
        let shared = UncheckedSendable((x.base, y.base, store.value(weight)))
        Parallel.forEachWorker(batch, workers: workers) { worker, samples in
            let (x, y, w) = shared.value
            let (columns, product) = scratch.value[worker]
            var first = samples.lowerBound
            while first < samples.upperBound {
                let count = Swift.min(group, samples.upperBound - first)
                let width = count * outLength
                im2col(x, first: first, count: count, length: length, outLength: outLength, into: columns)
                BLAS.gemm(transposeA: false, transposeB: false, m: outChannels, n: width, k: rows,
                          a: w, lda: rows, b: columns, ldb: width, beta: 0, c: product, ldc: width)
                scatter(product, into: y, first: first, count: count, outLength: outLength, bias: bias, epilogue: epilogue)
                first += count
            }
        }
        return y
    }

    /// Accumulates `dL/dw` (and `dL/db`) and returns `dL/dx` (an empty tensor when
    /// `computesInputGradient` is false).
    public func backward(_ dy: Tensor, _ store: ParameterStore) -> Tensor {
        guard let x = input else { preconditionFailure("Conv1D.backward before forward") }
        let (batch, length) = (x.shape[0], x.shape[2])
        let outLength = outputLength(length)
        precondition(dy.shape == [batch, outChannels, outLength], "Conv1D gradient shape \(dy.shape)")
        let rows = inChannels * kernelSize
        let workers = Parallel.workerCount(for: batch)
        let group = groupSize(batch: (batch + workers - 1) / workers, outLength: outLength)
        let dx = inputGradient.tensor(computesInputGradient ? x.shape : [0])
        let withInputGradient = computesInputGradient
        let weightCount = weight.count
        // Worker 0 accumulates into the gradient itself; the others into partials added at the end.
        let scratch = UncheckedSendable((0..<workers).map { worker in
            let slot = worker * Conv1D.slotsPerWorker
            return (columns: workspace.scratch(slot, count: rows * group * outLength),
                    gathered: workspace.scratch(slot + 1, count: outChannels * group * outLength),
                    columnGradient: workspace.scratch(slot + 2, count: withInputGradient ? rows * group * outLength : 0),
                    weightGradient: worker == 0 ? store.gradient(weight) : workspace.scratch(slot + 3, count: weightCount))
        })
        let shared = UncheckedSendable((x.base, dy.base, dx.base, store.value(weight)))
        Parallel.forEachWorker(batch, workers: workers) { worker, samples in
            let (x, dy, dx, w) = shared.value
            let (columns, gathered, columnGradient, dw) = scratch.value[worker]
            if worker > 0 { dw.update(repeating: 0, count: weightCount) }
            if withInputGradient {
                (dx + samples.lowerBound * inChannels * length).update(repeating: 0, count: samples.count * inChannels * length)
            }
            var first = samples.lowerBound
            while first < samples.upperBound {
                let count = Swift.min(group, samples.upperBound - first)
                let width = count * outLength
                gather(dy, first: first, count: count, outLength: outLength, into: gathered)
                im2col(x, first: first, count: count, length: length, outLength: outLength, into: columns)
                BLAS.gemm(transposeA: false, transposeB: true, m: outChannels, n: rows, k: width,
                          a: gathered, lda: width, b: columns, ldb: width, beta: 1, c: dw, ldc: rows)
                if withInputGradient {
                    BLAS.gemm(transposeA: true, transposeB: false, m: rows, n: width, k: outChannels,
                              a: w, lda: rows, b: gathered, ldb: width, beta: 0, c: columnGradient, ldc: width)
                    col2im(columnGradient, into: dx, first: first, count: count, length: length, outLength: outLength)
                }
                first += count
            }
        }
        let dw = store.gradient(weight)
        for worker in 1..<Swift.max(workers, 1) {
            let partial = scratch.value[worker].weightGradient
            for i in 0..<weightCount { dw[i] += partial[i] }
        }
        if let bias {
            let db = store.gradient(bias)
            for n in 0..<batch {
                for o in 0..<outChannels {
                    let row = dy.base + (n * outChannels + o) * outLength
                    var sum: Float = 0
                    for t in 0..<outLength { sum += row[t] }
                    db[o] += sum
                }
            }
        }
        return dx
    }

    private func groupSize(batch: Int, outLength: Int) -> Int {
        let bytesPerSample = inChannels * kernelSize * outLength * MemoryLayout<Float>.stride
        return Swift.max(1, Swift.min(batch, Conv1D.columnBytesPerGroup / bytesPerSample))
    }

    /// The output positions `t` for which input index `t·stride + k − padding` lies in `0..<length`.
    @inline(__always)
    private func validRange(tap k: Int, length: Int, outLength: Int) -> Range<Int> {
        let offset = k - padding
        let start = offset >= 0 ? 0 : (-offset + stride - 1) / stride
        let end = length - 1 - offset < 0 ? 0 : Swift.min(outLength, (length - 1 - offset) / stride + 1)
        return start..<Swift.max(start, end)
    }

    /// Writes `columns[i·K + k, g·outLength + t] = x[first + g, i, t·stride + k − padding]` (0 outside).
    private func im2col(_ x: UnsafeMutablePointer<Float>, first: Int, count: Int, length: Int, outLength: Int,
                        into columns: UnsafeMutablePointer<Float>) {
        let width = count * outLength
        for row in 0..<(inChannels * kernelSize) {
            let (i, k) = row.quotientAndRemainder(dividingBy: kernelSize)
            let valid = validRange(tap: k, length: length, outLength: outLength)
            for g in 0..<count {
                let destination = columns + row * width + g * outLength
                let source = x + ((first + g) * inChannels + i) * length + (k - padding)
                if valid.lowerBound > 0 { destination.update(repeating: 0, count: valid.lowerBound) }
                if stride == 1 {
                    (destination + valid.lowerBound).update(from: source + valid.lowerBound, count: valid.count)
                } else {
                    for t in valid { destination[t] = source[t * stride] }
                }
                if valid.upperBound < outLength {
                    (destination + valid.upperBound).update(repeating: 0, count: outLength - valid.upperBound)
                }
            }
        }
    }

    /// Adds `columns` back onto the input positions they were read from (the adjoint of im2col).
    private func col2im(_ columns: UnsafeMutablePointer<Float>, into dx: UnsafeMutablePointer<Float>, first: Int,
                        count: Int, length: Int, outLength: Int) {
        let width = count * outLength
        for i in 0..<inChannels {
            for g in 0..<count {
                let target = dx + ((first + g) * inChannels + i) * length
                for k in 0..<kernelSize {
                    let valid = validRange(tap: k, length: length, outLength: outLength)
                    let source = columns + (i * kernelSize + k) * width + g * outLength
                    let shifted = target + (k - padding)
                    if stride == 1 {
                        for t in valid { shifted[t] += source[t] }
                    } else {
                        for t in valid { shifted[t * stride] += source[t] }
                    }
                }
            }
        }
    }

    /// Copies the GEMM result `[out, group·outLength]` into `y[first + g, out, outLength]`, adding the bias
    /// and applying the epilogue on the way.
    private func scatter(_ product: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, first: Int,
                         count: Int, outLength: Int, bias: [Float]?, epilogue: ChannelEpilogue?) {
        let width = count * outLength
        for g in 0..<count {
            for o in 0..<outChannels {
                let target = y + ((first + g) * outChannels + o) * outLength
                let source = product + o * width + g * outLength
                let offset = bias?[o] ?? 0
                if let epilogue {
                    let (scale, shift) = (epilogue.scale[o], epilogue.shift[o] + epilogue.scale[o] * offset)
                    if epilogue.rectify {
                        for t in 0..<outLength { target[t] = Swift.max(source[t] * scale + shift, 0) }
                    } else {
                        for t in 0..<outLength { target[t] = source[t] * scale + shift }
                    }
                } else if bias != nil {
                    for t in 0..<outLength { target[t] = source[t] + offset }
                } else {
                    target.update(from: source, count: outLength)
                }
            }
        }
    }

    /// Copies `dy[first + g, out, outLength]` into the GEMM layout `[out, group·outLength]`.
    private func gather(_ dy: UnsafeMutablePointer<Float>, first: Int, count: Int, outLength: Int,
                        into gathered: UnsafeMutablePointer<Float>) {
        let width = count * outLength
        for g in 0..<count {
            for o in 0..<outChannels {
                (gathered + o * width + g * outLength)
                    .update(from: dy + ((first + g) * outChannels + o) * outLength, count: outLength)
            }
        }
    }
}

/// A per-output-channel `y = scale·y + shift`, optionally followed by ReLU, that a convolution applies while
/// it writes its output: how an evaluation-mode BatchNorm (and the ReLU after it) costs no extra pass.
public struct ChannelEpilogue {
    public let scale: [Float]
    public let shift: [Float]
    public let rectify: Bool

    public init(scale: [Float], shift: [Float], rectify: Bool) {
        precondition(scale.count == shift.count, "epilogue scale and shift differ in length")
        self.scale = scale
        self.shift = shift
        self.rectify = rectify
    }
}

/// The definition of `Conv1D` as plain loops, in Float64 accumulators: the reference the
/// BLAS path is tested against. Not used in training.
public enum Conv1DReference {
    /// `y[n, o, t]` for `x [N, C, L]`, `w [O, C, K]`, optional `b [O]`.
    public static func forward(x: [Float], batch: Int, inChannels: Int, length: Int, w: [Float], outChannels: Int,
                               kernelSize: Int, stride: Int, padding: Int, b: [Float]?) -> [Float] {
        let outLength = (length + 2 * padding - kernelSize) / stride + 1
        var y = [Float](repeating: 0, count: batch * outChannels * outLength)
        for n in 0..<batch {
            for o in 0..<outChannels {
                for t in 0..<outLength {
                    var sum = Double(b?[o] ?? 0)
                    for i in 0..<inChannels {
                        for k in 0..<kernelSize {
                            let position = t * stride + k - padding
                            guard position >= 0 && position < length else { continue }
                            sum += Double(w[(o * inChannels + i) * kernelSize + k]) * Double(x[(n * inChannels + i) * length + position])
                        }
                    }
                    y[(n * outChannels + o) * outLength + t] = Float(sum)
                }
            }
        }
        return y
    }

    /// `(dx, dw, db)` for upstream gradient `dy [N, O, outLength]`.
    public static func backward(x: [Float], batch: Int, inChannels: Int, length: Int, w: [Float], outChannels: Int,
                                kernelSize: Int, stride: Int, padding: Int, dy: [Float]) -> (dx: [Float], dw: [Float], db: [Float]) {
        let outLength = (length + 2 * padding - kernelSize) / stride + 1
        var dx = [Double](repeating: 0, count: x.count)
        var dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: outChannels)
        for n in 0..<batch {
            for o in 0..<outChannels {
                for t in 0..<outLength {
                    let g = Double(dy[(n * outChannels + o) * outLength + t])
                    db[o] += g
                    for i in 0..<inChannels {
                        for k in 0..<kernelSize {
                            let position = t * stride + k - padding
                            guard position >= 0 && position < length else { continue }
                            let xi = (n * inChannels + i) * length + position
                            let wi = (o * inChannels + i) * kernelSize + k
                            dw[wi] += g * Double(x[xi])
                            dx[xi] += g * Double(w[wi])
                        }
                    }
                }
            }
        }
        return (dx.map(Float.init), dw.map(Float.init), db.map(Float.init))
    }
}
