import CDNNL
import DistTensor
import Foundation
import Testing

/// CDNNL's vectorised loops (`cdnnl_kernels.h`) against plain Swift loops of the same arithmetic, and the AVX-512
/// variant against the portable one, bit for bit: both compile one body without FMA contraction and vectorise only
/// across channels or elements, so any difference is a bug, not rounding. Shapes stress the vector tails: one row,
/// one channel, channel and element counts that are not multiples of 16. The variant is chosen per thread, so each
/// comparison runs on one thread (`Parallel.withThreads(1)` keeps every chunk on the caller).
@Suite struct KernelTests {
    static let shapes: [(rows: Int, channels: Int)] = [(1, 1), (5, 3), (37, 19), (129, 16), (300, 67), (2, 130)]

    /// Values with the cases a ReLU or a mask must get right: exact zeros, −0, NaN and infinities among normals.
    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var random = RandomStream(seed: seed)
        return (0..<count).map { i in
            switch i % 23 {
            case 5: return 0
            case 11: return -0.0
            case 17 where count > 40: return .nan
            case 19 where count > 40: return i % 2 == 0 ? .infinity : -.infinity
            default: return Float(random.nextNormal()) * 3
            }
        }
    }

    /// Bit patterns, every NaN as one (which operand's payload a NaN carries is not part of the contract).
    static func bits(_ values: [Float]) -> [UInt32] { values.map { $0.isNaN ? Float.nan.bitPattern : $0.bitPattern } }
    static func bits(_ values: [Double]) -> [UInt64] { values.map { $0.isNaN ? Double.nan.bitPattern : $0.bitPattern } }

    /// Runs `body` once per variant this CPU has (portable, then AVX-512), on one thread, and returns the results.
    static func eachVariant<R>(_ body: () -> R) -> [R] {
        var results: [R] = []
        for avx512 in [0, 1] {
            let chosen = cdnnl_kernels_select(Int32(avx512))
            defer { cdnnl_kernels_select(-1) }
            if avx512 == 1 && chosen == 0 { continue }  // no AVX-512 here: the portable result stands alone
            results.append(Parallel.withThreads(1) { body() })
        }
        return results
    }

    @Test func theMachineRunsTheAVX512Variant() {
        // The development machine and CI have AVX-512; a CPU without it runs the portable variant (checked below).
        let has = ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy { flag in
            ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").contains(" \(flag)")
        }
        #expect((cdnnl_kernels_avx512() == 1) == has, "AVX-512 variant chosen \(cdnnl_kernels_avx512()), CPU has it: \(has)")
    }

    @Test(arguments: shapes)
    func batchNormalisationLoops(_ shape: (rows: Int, channels: Int)) {
        let (rows, channels) = shape
        let x = Self.values(rows * channels, seed: 1)
        let dy = Self.values(rows * channels, seed: 2)
        let rectified = Self.values(rows * channels, seed: 3)
        let mean = Self.values(channels, seed: 4), inverseStd = Self.values(channels, seed: 5).map(abs)
        let scale = Self.values(channels, seed: 6), shift = Self.values(channels, seed: 7)
        let k = Self.values(3 * channels, seed: 8)
        let start = Self.values(2 * channels, seed: 9).map(Double.init)

        // The definitions, as plain loops over rows and channels.
        let residual = Self.values(rows * channels, seed: 10)
        // Dropout over a tensor whose first row is row 3 of the whole (how a thread's chunk sees it).
        let draw = cdnnl_dropout(key: 0x5EED, keep: 0.75, scale: 1 / 0.75)
        let firstRow = 3
        var sum = Array(start[0..<channels]), squares = Array(start[0..<channels]), backwardSums = start
        var normalised = [Float](repeating: 0, count: x.count), rectifiedOut = normalised, residualOut = normalised
        var dropped = normalised
        var maskedDy = dy, scaledDy = dy, scaledSums = start, dx = normalised
        for r in 0..<rows {
            for c in 0..<channels {
                let i = r * channels + c
                sum[c] += Double(x[i])
                let d = x[i] - mean[c]
                squares[c] += Double(d * d)
                normalised[i] = x[i] * scale[c] + shift[c]
                rectifiedOut[i] = Swift.max(x[i] * scale[c] + shift[c], 0)
                residualOut[i] = Swift.max(normalised[i] + residual[i], 0)
                let kept = RandomStream.uniform(key: draw.key, index: UInt64((firstRow + r) * channels + c)) < draw.keep
                dropped[i] = residualOut[i] * (kept ? draw.scale : 0)
                if !(rectified[i] > 0) { maskedDy[i] = 0 }
                backwardSums[c] += Double(maskedDy[i])
                backwardSums[channels + c] += Double(maskedDy[i] * (x[i] - mean[c]))
                scaledDy[i] = rectified[i] > 0 ? dy[i] * draw.scale : 0
                scaledSums[c] += Double(scaledDy[i])
                scaledSums[channels + c] += Double(scaledDy[i] * (x[i] - mean[c]))
                let xhat = (x[i] - mean[c]) * inverseStd[c]
                dx[i] = k[c] * (dy[i] - k[channels + c] - xhat * k[2 * channels + c])
            }
        }
        var plainSums = start
        for r in 0..<rows {
            for c in 0..<channels {
                let i = r * channels + c
                plainSums[c] += Double(dy[i])
                plainSums[channels + c] += Double(dy[i] * (x[i] - mean[c]))
            }
        }

        for (variant, result) in Self.eachVariant({ () -> [String: [UInt64]] in
            var outSum = Array(start[0..<channels]), outSquares = outSum, outBackward = start, outPlain = start
            var outScaled = start
            var y = [Float](repeating: 1, count: x.count), yRelu = y, yResidual = y, yDropped = y
            var gradient = dy, plainGradient = dy, scaledGradient = dy
            var inputGradient = [Float](repeating: 1, count: x.count), inPlace = dy
            cdnnl_bn_sum(x, 0, rows, channels, &outSum)
            cdnnl_bn_sum_squared_deviations(x, 0, rows, channels, mean, &outSquares)
            cdnnl_bn_apply(x, 0, &y, 0, nil, rows, channels, scale, shift, 0, nil, 0)
            cdnnl_bn_apply(x, 0, &yRelu, 0, nil, rows, channels, scale, shift, 1, nil, 0)
            cdnnl_bn_apply(x, 0, &yResidual, 0, residual, rows, channels, scale, shift, 1, nil, 0)
            withUnsafePointer(to: draw) { cdnnl_bn_apply(x, 0, &yDropped, 0, residual, rows, channels, scale, shift, 1, $0, firstRow) }
            cdnnl_bn_backward_sums(x, 0, &gradient, rectified, 0, 1, rows, channels, mean, &outBackward)
            cdnnl_bn_backward_sums(x, 0, &plainGradient, nil, 0, 1, rows, channels, mean, &outPlain)
            cdnnl_bn_backward_sums(x, 0, &scaledGradient, rectified, 0, draw.scale, rows, channels, mean, &outScaled)
            cdnnl_bn_backward_input(x, 0, dy, &inputGradient, rows, channels, k, mean, inverseStd)
            inPlace.withUnsafeMutableBufferPointer { g in
                cdnnl_bn_backward_input(x, 0, g.baseAddress!, g.baseAddress!, rows, channels, k, mean, inverseStd)
            }
            let widen = { (values: [Float]) in Self.bits(values).map(UInt64.init) }
            return ["sum": Self.bits(outSum), "squares": Self.bits(outSquares), "apply": widen(y), "apply relu": widen(yRelu),
                    "apply residual": widen(yResidual), "apply dropout": widen(yDropped),
                    "scaled sums": Self.bits(outScaled), "scaled dy": widen(scaledGradient),
                    "backward sums": Self.bits(outBackward), "masked dy": widen(gradient), "plain sums": Self.bits(outPlain),
                    "plain dy": widen(plainGradient), "dx": widen(inputGradient), "dx in place": widen(inPlace)]
        }).enumerated() {
            let widen = { (values: [Float]) in Self.bits(values).map(UInt64.init) }
            let expected: [String: [UInt64]] = [
                "sum": Self.bits(sum), "squares": Self.bits(squares), "apply": widen(normalised),
                "apply relu": widen(rectifiedOut), "apply residual": widen(residualOut), "apply dropout": widen(dropped),
                "scaled sums": Self.bits(scaledSums), "scaled dy": widen(scaledDy), "backward sums": Self.bits(backwardSums), "masked dy": widen(maskedDy),
                "plain sums": Self.bits(plainSums), "plain dy": widen(dy), "dx": widen(dx), "dx in place": widen(dx)]
            for (name, bits) in expected {
                #expect(result[name] == bits, "\(name), \(rows) x \(channels), variant \(variant == 0 ? "portable" : "AVX-512")")
            }
        }
    }

    /// `v` rounded to the nearest bfloat16 (ties to an even significand), found by comparing distances in Float64
    /// (not by the bit trick the kernels use); a NaN as a quiet NaN. For finite values below bfloat16's largest.
    static func bfloat16(_ v: Float) -> UInt16 {
        if v.isNaN { return 0x7FC0 }
        let truncated = v.bitPattern & 0xFFFF_0000
        if v.isInfinite || Float(bitPattern: truncated) == v { return UInt16(truncated >> 16) }
        let below = Double(Float(bitPattern: truncated)), above = Double(Float(bitPattern: truncated + 0x1_0000))
        let (lower, upper) = (abs(Double(v) - below), abs(above - Double(v)))
        let up = lower > upper || (lower == upper && (truncated >> 16) & 1 == 1)
        return UInt16((up ? truncated + 0x1_0000 : truncated) >> 16)
    }

    /// A bfloat16 bit pattern, every NaN as one (as `bits`).
    static func quieted(_ h: UInt16) -> UInt64 { UInt64(h & 0x7FFF > 0x7F80 ? 0x7FC0 : h) }

    static func widened(_ h: [UInt16]) -> [Float] { h.map { Float(bitPattern: UInt32($0) << 16) } }

    /// The BatchNorm loops on bfloat16 activations: a bfloat16 input gives exactly what its float32 widening gives
    /// (the loops widen, then compute as before), and a bfloat16 output is the float32 result rounded to nearest even;
    /// both variants alike.
    @Test(arguments: shapes)
    func batchNormalisationLoopsOnBFloat16(_ shape: (rows: Int, channels: Int)) {
        let (rows, channels) = shape
        let x16 = Self.values(rows * channels, seed: 21).map(Self.bfloat16)
        let rectified16 = Self.values(rows * channels, seed: 22).map(Self.bfloat16)
        let (x, rectified) = (Self.widened(x16), Self.widened(rectified16))
        let dy = Self.values(rows * channels, seed: 23), residual = Self.values(rows * channels, seed: 24)
        let mean = Self.values(channels, seed: 25), inverseStd = Self.values(channels, seed: 26).map(abs)
        let scale = Self.values(channels, seed: 27), shift = Self.values(channels, seed: 28)
        let k = Self.values(3 * channels, seed: 29)
        let draw = cdnnl_dropout(key: 0xB16, keep: 0.75, scale: 1 / 0.75)
        let widen = { (values: [Float]) in Self.bits(values).map(UInt64.init) }
        for (variant, result) in Self.eachVariant({ () -> [String: ([UInt64], [UInt64])] in
            var sum32 = [Double](repeating: 0.5, count: channels), sum16 = sum32, squares32 = sum32, squares16 = sum32
            cdnnl_bn_sum(x, 0, rows, channels, &sum32)
            cdnnl_bn_sum(x16, 1, rows, channels, &sum16)
            cdnnl_bn_sum_squared_deviations(x, 0, rows, channels, mean, &squares32)
            cdnnl_bn_sum_squared_deviations(x16, 1, rows, channels, mean, &squares16)
            var y32 = [Float](repeating: 1, count: x.count), y16in = y32
            var y16out = [UInt16](repeating: 1, count: x.count), y16both = y16out
            withUnsafePointer(to: draw) { mask in
                cdnnl_bn_apply(x, 0, &y32, 0, residual, rows, channels, scale, shift, 1, mask, 2)
                cdnnl_bn_apply(x16, 1, &y16in, 0, residual, rows, channels, scale, shift, 1, mask, 2)
                cdnnl_bn_apply(x, 0, &y16out, 1, residual, rows, channels, scale, shift, 1, mask, 2)
                cdnnl_bn_apply(x16, 1, &y16both, 1, residual, rows, channels, scale, shift, 1, mask, 2)
            }
            var plain32 = [Float](repeating: 1, count: x.count), plain16 = plain32
            cdnnl_bn_apply(x, 0, &plain32, 0, nil, rows, channels, scale, shift, 0, nil, 0)
            cdnnl_bn_apply(x16, 1, &plain16, 0, nil, rows, channels, scale, shift, 0, nil, 0)
            var sums32 = [Double](repeating: 0.25, count: 2 * channels), sums16 = sums32
            var (g32, g16) = (dy, dy)
            cdnnl_bn_backward_sums(x, 0, &g32, rectified, 0, draw.scale, rows, channels, mean, &sums32)
            cdnnl_bn_backward_sums(x16, 1, &g16, rectified16, 1, draw.scale, rows, channels, mean, &sums16)
            var dx32 = [Float](repeating: 1, count: x.count), dx16 = dx32
            cdnnl_bn_backward_input(x, 0, dy, &dx32, rows, channels, k, mean, inverseStd)
            cdnnl_bn_backward_input(x16, 1, dy, &dx16, rows, channels, k, mean, inverseStd)
            let rounded = y32.map(Self.bfloat16).map(UInt64.init)
            return ["sum": (Self.bits(sum32), Self.bits(sum16)), "squares": (Self.bits(squares32), Self.bits(squares16)),
                    "apply": (widen(y32), widen(y16in)), "apply plain": (widen(plain32), widen(plain16)),
                    "apply to bfloat16": (rounded, y16out.map(Self.quieted)),
                    "apply bfloat16 to bfloat16": (rounded, y16both.map(Self.quieted)),
                    "backward sums": (Self.bits(sums32), Self.bits(sums16)), "masked dy": (widen(g32), widen(g16)),
                    "dx": (widen(dx32), widen(dx16))]
        }).enumerated() {
            for (name, (float32, bfloat16)) in result {
                #expect(float32 == bfloat16, "\(name), \(rows) x \(channels), variant \(variant == 0 ? "portable" : "AVX-512")")
            }
        }
    }

    @Test(arguments: [1, 15, 16, 17, 1_000, 65_539])
    func elementwiseLoops(_ count: Int) {
        let a = Self.values(count, seed: 11), b = Self.values(count, seed: 12)
        var relu = a, reluBackward = b, sum = b, sumRelu = b
        for i in 0..<count {
            relu[i] = Swift.max(a[i], 0)
            if !(a[i] > 0) { reluBackward[i] = 0 }
            sum[i] = b[i] + a[i]
            sumRelu[i] = Swift.max(b[i] + a[i], 0)
        }
        for (variant, result) in Self.eachVariant({ () -> [[UInt32]] in
            var (outRelu, outBackward, outSum, outSumRelu) = (a, b, b, b)
            cdnnl_relu(&outRelu, count)
            cdnnl_relu_backward(&outBackward, a, count)
            cdnnl_add(a, &outSum, count)
            cdnnl_add_relu(a, &outSumRelu, count)
            return [outRelu, outBackward, outSum, outSumRelu].map(Self.bits)
        }).enumerated() {
            for (name, (got, want)) in zip(["relu", "relu backward", "add", "add relu"], zip(result, [relu, reluBackward, sum, sumRelu])) {
                #expect(got == Self.bits(want), "\(name), \(count) elements, variant \(variant)")
            }
        }
    }

    /// The mask is RandomStream.uniform's, element by element, from any start index (how threads split it).
    @Test(arguments: [(0, 1), (3, 17), (1_000, 4_099)])
    func dropoutLoops(_ range: (start: Int, count: Int)) {
        let (start, count) = range
        let total = start + count
        let x = Self.values(total, seed: 13), dy = Self.values(total, seed: 14)
        let (keep, scale): (Float, Float) = (0.8, 1 / 0.8)
        let key: UInt64 = 0xDEAD_BEEF
        var y = [Float](repeating: 7, count: total), mask = [UInt8](repeating: 9, count: total), dx = dy
        for i in start..<total {
            let kept = RandomStream.uniform(key: key, index: UInt64(i)) < keep
            mask[i] = kept ? 1 : 0
            y[i] = x[i] * (kept ? scale : 0)
            dx[i] = dy[i] * (kept ? scale : 0)
        }
        for (variant, result) in Self.eachVariant({ () -> ([UInt32], [UInt8], [UInt32]) in
            var outY = [Float](repeating: 7, count: total), outMask = [UInt8](repeating: 9, count: total), outDx = dy
            cdnnl_dropout_forward(x, &outY, &outMask, start, count, key, keep, scale)
            outDx.withUnsafeMutableBufferPointer { g in
                outMask.withUnsafeBufferPointer { m in
                    cdnnl_dropout_backward(g.baseAddress! + start, m.baseAddress! + start, count, scale)
                }
            }
            return (Self.bits(outY), outMask, Self.bits(outDx))
        }).enumerated() {
            #expect(result.0 == Self.bits(y), "dropout forward, variant \(variant)")
            #expect(result.1 == mask, "dropout mask, variant \(variant)")
            #expect(result.2 == Self.bits(dx), "dropout backward, variant \(variant)")
        }
    }

    /// Adam and AdamW against the update written out as in `torch.optim`, and the two variants against each other.
    @Test(arguments: [false, true], [1, 19, 1_003])
    func adamLoop(decoupled: Bool, count: Int) {
        let g = Self.values(count, seed: 15).map { $0.isFinite ? $0 : 1 }
        let p0 = Self.values(count, seed: 16).map { $0.isFinite ? $0 : -2 }
        let m0 = Self.values(count, seed: 17).map { $0.isFinite ? $0 * 0.1 : 0 }
        let v0 = Self.values(count, seed: 18).map { $0.isFinite ? $0 * $0 : 0 }
        let (lr, decay, b1, b2, eps): (Float, Float, Float, Float, Float) = (1e-3, 1e-2, 0.9, 0.999, 1e-8)
        let t = 7.0
        let stepSize = Float(Double(lr) / (1 - pow(Double(b1), t)))
        let correctionRoot = Float((1 - pow(Double(b2), t)).squareRoot())
        var (p, m, v) = (p0, m0, v0)
        for i in 0..<count {
            var grad = g[i]
            if decoupled { p[i] *= 1 - lr * decay } else { grad += decay * p[i] }
            m[i] += (grad - m[i]) * (1 - b1)
            v[i] = v[i] * b2 + (1 - b2) * grad * grad
            p[i] -= stepSize * m[i] / (v[i].squareRoot() / correctionRoot + eps)
        }
        let settings = cdnnl_adam_settings(learning_rate: lr, weight_decay: decay, beta1: b1, beta2: b2, epsilon: eps,
                                           step_size: stepSize, correction_root: correctionRoot, decoupled: decoupled ? 1 : 0)
        for (variant, result) in Self.eachVariant({ () -> [[UInt32]] in
            var (outP, outM, outV) = (p0, m0, v0)
            cdnnl_adam(&outP, g, &outM, &outV, count, settings)
            return [outP, outM, outV].map(Self.bits)
        }).enumerated() {
            #expect(result == [p, m, v].map(Self.bits), "adam (decoupled \(decoupled)), \(count), variant \(variant)")
        }
    }

    /// The layers on the two variants: BatchNorm (with and without its fused ReLU) and dropout, forward and backward,
    /// with batch one, one channel and odd lengths, give the same bits.
    @Test(arguments: [(1, 1, 1), (1, 7, 3), (3, 37, 19), (2, 301, 64)])
    func layersGiveTheSameBitsOnBothVariants(_ shape: (batch: Int, length: Int, channels: Int)) {
        let (batch, length, channels) = shape
        let results = Self.eachVariant { () -> [Float] in
            var outputs: [Float] = []
            for rectify in [false, true] {
                var layout = ParameterLayout()
                let norm = BatchNorm1D(name: "b", channels: channels, layout: &layout)
                let dropout = Dropout(probability: 0.25)
                let store = randomStore(layout, seed: 40)
                let x = randomTensor([batch, length, channels], seed: 41)
                let y = dropout.forward(norm.forward(x, store, training: true, rectify: rectify), training: true, key: 99)
                let dy = randomTensor(y.shape, seed: 42)
                outputs += y.array + norm.backward(dropout.backward(dy), store).array + Array(store.gradients)
                    + Array(UnsafeBufferPointer(start: store.buffer(norm.runningVariance), count: channels))
            }
            return outputs
        }
        #expect(Set(results.map(Self.bits)).count == 1, "the variants differ on \(shape)")
    }
}
