import DistTensor
import Foundation
import Testing

/// The oneDNN and multi-threaded paths against plain loops, on shapes that stress their edges: lengths that
/// are not a multiple of the stride, one channel, batch one, long inputs. The plain loops work in PyTorch's
/// `[N, C, L]`; the layers in channels-last `[N, L, C]`, so every comparison also checks the reorder.
@Suite struct FastPathTests {
    typealias ConvShape = (batch: Int, inChannels: Int, outChannels: Int, length: Int, kernel: Int, stride: Int, padding: Int, bias: Bool)

    @Test(arguments: [
        (batch: 1, inChannels: 1, outChannels: 1, length: 17, kernel: 3, stride: 2, padding: 1, bias: false),
        (batch: 1, inChannels: 1, outChannels: 5, length: 23, kernel: 15, stride: 2, padding: 7, bias: true),
        (batch: 3, inChannels: 5, outChannels: 2, length: 31, kernel: 7, stride: 3, padding: 3, bias: true),
        (batch: 2, inChannels: 6, outChannels: 7, length: 12, kernel: 1, stride: 2, padding: 0, bias: false),
        // ResNet's first downsample (8 channels, stride 2) with an odd batch: the shape oneDNN's jit 1x1
        // backward-weights kernel overflowed on, now on another implementation.
        (batch: 3, inChannels: 8, outChannels: 16, length: 100, kernel: 1, stride: 2, padding: 0, bias: false),
        (batch: 4, inChannels: 3, outChannels: 4, length: 8, kernel: 9, stride: 1, padding: 4, bias: false),
        // Long inputs: oneDNN splits them in time blocks.
        (batch: 3, inChannels: 4, outChannels: 3, length: 10_000, kernel: 9, stride: 1, padding: 4, bias: true),
        (batch: 2, inChannels: 8, outChannels: 2, length: 20_001, kernel: 9, stride: 2, padding: 0, bias: false),
        // Widths of the network's late stages (blocked kernels, channels a multiple of 16 and not).
        (batch: 2, inChannels: 64, outChannels: 128, length: 41, kernel: 7, stride: 2, padding: 3, bias: false),
        (batch: 1, inChannels: 24, outChannels: 40, length: 19, kernel: 7, stride: 1, padding: 3, bias: true),
    ] as [ConvShape])
    func convolutionMatchesPlainLoops(_ shape: ConvShape) {
        var layout = ParameterLayout()
        let conv = Conv1D(name: "conv", inChannels: shape.inChannels, outChannels: shape.outChannels, kernelSize: shape.kernel,
                          stride: shape.stride, padding: shape.padding, bias: shape.bias, layout: &layout, workspace: Workspace())
        let store = randomStore(layout, seed: 21)
        let x = randomTensor([shape.batch, shape.inChannels, shape.length], seed: 22)
        let w = Array(UnsafeBufferPointer(start: store.value(conv.weight), count: conv.weight.count))
        let b = conv.bias.map { Array(UnsafeBufferPointer(start: store.value($0), count: $0.count)) }
        let y = conv.forward(Elementwise.transposeLastTwo(x), store)
        let expected = Conv1DReference.forward(x: x.array, batch: shape.batch, inChannels: shape.inChannels, length: shape.length,
                                               w: w, outChannels: shape.outChannels, kernelSize: shape.kernel,
                                               stride: shape.stride, padding: shape.padding, b: b)
        #expect(y.shape == [shape.batch, conv.outputLength(shape.length), shape.outChannels])
        expectClose(Elementwise.transposeLastTwo(y).array, expected, "forward")
        let dy = randomTensor([shape.batch, shape.outChannels, conv.outputLength(shape.length)], seed: 23)
        let dx = conv.backward(Elementwise.transposeLastTwo(dy), store)
        let reference = Conv1DReference.backward(x: x.array, batch: shape.batch, inChannels: shape.inChannels, length: shape.length,
                                                 w: w, outChannels: shape.outChannels, kernelSize: shape.kernel,
                                                 stride: shape.stride, padding: shape.padding, dy: dy.array)
        expectClose(Elementwise.transposeLastTwo(dx).array, reference.dx, "dx")
        expectClose(Array(UnsafeBufferPointer(start: store.gradient(conv.weight), count: conv.weight.count)), reference.dw, "dw")
        if let bias = conv.bias {
            expectClose(Array(UnsafeBufferPointer(start: store.gradient(bias), count: bias.count)), reference.db, "db")
        }
    }

    /// The bfloat16 convolution against the float32 plain loops, element by element, within the rounding
    /// bound of its arithmetic: each input and weight is rounded to bfloat16 (8-bit significand, relative
    /// error ≤ u = 2⁻⁸), so each product is off by at most (2u + u²)·|x·w|, and float32 accumulation adds
    /// about 1e-7 relative; an output is therefore within (2u + u²)·Σ|x·w| (+ float32 slack) of the exact
    /// one, and Σ|x·w| is the plain-loop convolution of |x| with |w|. The same bound holds for the input
    /// gradient (|dy| with |w|) and the weight gradient (|dy| with |x|).
    @Test(arguments: [
        (batch: 1, inChannels: 1, outChannels: 1, length: 17, kernel: 3, stride: 2, padding: 1, bias: false),
        (batch: 3, inChannels: 5, outChannels: 2, length: 31, kernel: 7, stride: 3, padding: 3, bias: true),
        (batch: 2, inChannels: 64, outChannels: 128, length: 41, kernel: 7, stride: 2, padding: 3, bias: false),
        (batch: 1, inChannels: 12, outChannels: 16, length: 101, kernel: 15, stride: 2, padding: 7, bias: false),
    ] as [ConvShape])
    func bfloat16ConvolutionIsWithinItsRoundingBound(_ shape: ConvShape) {
        var layout = ParameterLayout()
        let conv = Conv1D(name: "conv", inChannels: shape.inChannels, outChannels: shape.outChannels, kernelSize: shape.kernel,
                          stride: shape.stride, padding: shape.padding, bias: shape.bias, layout: &layout, workspace: Workspace())
        conv.precision = .bfloat16
        let store = randomStore(layout, seed: 41)
        let x = randomTensor([shape.batch, shape.inChannels, shape.length], seed: 42)
        let w = Array(UnsafeBufferPointer(start: store.value(conv.weight), count: conv.weight.count))
        let b = conv.bias.map { Array(UnsafeBufferPointer(start: store.value($0), count: $0.count)) }
        let outLength = conv.outputLength(shape.length)
        let dy = randomTensor([shape.batch, shape.outChannels, outLength], seed: 43)
        func reference(_ x: [Float], _ w: [Float], _ dy: [Float], bias: [Float]?) -> (y: [Float], dx: [Float], dw: [Float]) {
            let y = Conv1DReference.forward(x: x, batch: shape.batch, inChannels: shape.inChannels, length: shape.length, w: w,
                                            outChannels: shape.outChannels, kernelSize: shape.kernel, stride: shape.stride,
                                            padding: shape.padding, b: bias)
            let g = Conv1DReference.backward(x: x, batch: shape.batch, inChannels: shape.inChannels, length: shape.length, w: w,
                                             outChannels: shape.outChannels, kernelSize: shape.kernel, stride: shape.stride,
                                             padding: shape.padding, dy: dy)
            return (y, g.dx, g.dw)
        }
        let exact = reference(x.array, w, dy.array, bias: b)
        let magnitude = reference(x.array.map(abs), w.map(abs), dy.array.map(abs), bias: nil)
        let y = Elementwise.transposeLastTwo(conv.forward(Elementwise.transposeLastTwo(x), store)).array
        let dx = Elementwise.transposeLastTwo(conv.backward(Elementwise.transposeLastTwo(dy), store)).array
        let dw = Array(UnsafeBufferPointer(start: store.gradient(conv.weight), count: conv.weight.count))
        let u: Float = 1.0 / 256
        for (what, ours, expected, bound) in [("forward", y, exact.y, magnitude.y), ("dx", dx, exact.dx, magnitude.dx),
                                              ("dw", dw, exact.dw, magnitude.dw)] {
            let worst = zip(zip(ours, expected), bound).map { pair, bound in
                abs(pair.0 - pair.1) / ((2 * u + u * u) * bound + 1e-6 * (1 + abs(pair.1)))
            }.max() ?? .infinity
            #expect(worst <= 1, "bfloat16 \(what): error is \(worst)× its rounding bound")
            // Not float32 in disguise: some element shows bfloat16's rounding, far above float32's.
            let largest = zip(ours, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(largest > 1e-4 * (expected.map(abs).max() ?? 0), "bfloat16 \(what) is as exact as float32")
        }
    }

    /// A bfloat16 block interior as ResNet1D runs it in training (conv1 writes bfloat16, BatchNorm reads it and writes its
    /// ReLU'd output in bfloat16, conv2 reads that as it is) against the same layers on float32 activations holding
    /// the same values: conv1's bfloat16 output is its float32 output rounded (within half a bfloat16 step, up to
    /// float32 accumulation slack), and everything downstream of it, BatchNorm's output rounded to nearest even, conv2's
    /// output and every gradient, is bit for bit what float32 activations of the same values give.
    @Test func bfloat16ActivationsGiveTheBitsOfTheirFloat32Values() {
        let (batch, channels, length) = (3, 16, 45)
        var layout = ParameterLayout()
        let workspace = Workspace()
        func layers() -> (Conv1D, BatchNorm1D, Conv1D) {
            (Conv1D(name: "c1", inChannels: 8, outChannels: channels, kernelSize: 7, stride: 2, padding: 3, layout: &layout,
                    workspace: workspace),
             BatchNorm1D(name: "b1", channels: channels, layout: &layout),
             Conv1D(name: "c2", inChannels: channels, outChannels: channels, kernelSize: 7, padding: 3, layout: &layout,
                    workspace: workspace))
        }
        let (conv1, norm, conv2) = layers()
        let store = randomStore(layout, seed: 61)
        for conv in [conv1, conv2] { conv.precision = .bfloat16 }
        let x = Elementwise.transposeLastTwo(randomTensor([batch, 8, length], seed: 62))
        let y32 = conv1.forward(x, store).array
        conv1.bfloat16Output = true
        let y16 = conv1.forward(x, store)
        #expect(y16.isBFloat16 && y16.shape == [batch, conv1.outputLength(length), channels])
        let worst = zip(y16.array, y32).map { abs($0 - $1) / (abs($1) / 256 + 1e-6) }.max() ?? .infinity
        #expect(worst <= 1, "conv1's bfloat16 output is \(worst)× half a bfloat16 step from its float32 output")

        // The float32 twin: the same layers fed float32 tensors holding the bfloat16 values.
        func run(_ input: Tensor, low: Bool) -> (h: [Float], z: [Float], dx: [Float], dw: [Float], dGamma: [Float]) {
            store.zeroGradients()
            norm.bfloat16Output = low
            let h = norm.forward(input, store, training: true, rectify: true, dropout: (0.25, 99))
            #expect(h.isBFloat16 == low)
            let z = conv2.forward(h, store)
            let dz = Elementwise.transposeLastTwo(randomTensor([batch, channels, z.shape[1]], seed: 63))
            let dx = norm.backward(conv2.backward(dz, store), store, inPlace: true)
            return (h.array, z.array, dx.array, Array(UnsafeBufferPointer(start: store.gradient(conv2.weight), count: conv2.weight.count)),
                    Array(UnsafeBufferPointer(start: store.gradient(norm.weight), count: channels)))
        }
        let twin = run(Tensor(shape: y16.shape, values: y16.array), low: false)
        let low = run(y16, low: true)
        #expect(KernelTests.bits(low.h) == KernelTests.bits(KernelTests.widened(twin.h.map(KernelTests.bfloat16))),
                "BatchNorm's bfloat16 output is its float32 output rounded to nearest even")
        for (what, a, b) in [("conv2 output", low.z, twin.z), ("input gradient", low.dx, twin.dx),
                             ("conv2 weight gradient", low.dw, twin.dw), ("BatchNorm weight gradient", low.dGamma, twin.dGamma)] {
            #expect(KernelTests.bits(a) == KernelTests.bits(b), "\(what) differs from the float32 twin's")
        }
    }

    @Test func batchNormalisationMatchesPlainLoops() {
        var layout = ParameterLayout()
        let norm = BatchNorm1D(name: "bn", channels: 5, layout: &layout)
        let store = randomStore(layout, seed: 24)
        let (batch, channels, length) = (3, 5, 37)
        let x = randomTensor([batch, channels, length], seed: 25)
        let gamma = Array(UnsafeBufferPointer(start: store.value(norm.weight), count: channels))
        let beta = Array(UnsafeBufferPointer(start: store.value(norm.bias), count: channels))
        let y = Elementwise.transposeLastTwo(norm.forward(Elementwise.transposeLastTwo(x), store, training: true)).array
        let dy = randomTensor(x.shape, seed: 26)
        let dx = Elementwise.transposeLastTwo(norm.backward(Elementwise.transposeLastTwo(dy), store)).array
        // Plain definition in Float64: x̂ = (x − μ)/√(σ² + ε), y = γx̂ + β,
        // dx = γ/√(σ² + ε) · (dy − mean(dy) − x̂·mean(dy·x̂)).
        let count = Double(batch * length)
        var expectedY = [Float](repeating: 0, count: x.count)
        var expectedDx = [Float](repeating: 0, count: x.count)
        for c in 0..<channels {
            let indices = (0..<batch).flatMap { n in (0..<length).map { (n * channels + c) * length + $0 } }
            let mean = indices.reduce(0.0) { $0 + Double(x.base[$1]) } / count
            let variance = indices.reduce(0.0) { $0 + pow(Double(x.base[$1]) - mean, 2) } / count
            let inverseStd = 1 / (variance + 1e-5).squareRoot()
            let xhat = indices.map { (Double(x.base[$0]) - mean) * inverseStd }
            let meanDy = indices.reduce(0.0) { $0 + Double(dy.base[$1]) } / count
            let meanDyXhat = zip(indices, xhat).reduce(0.0) { $0 + Double(dy.base[$1.0]) * $1.1 } / count
            for (k, i) in indices.enumerated() {
                expectedY[i] = Float(Double(gamma[c]) * xhat[k] + Double(beta[c]))
                expectedDx[i] = Float(Double(gamma[c]) * inverseStd * (Double(dy.base[i]) - meanDy - xhat[k] * meanDyXhat))
            }
        }
        expectClose(y, expectedY, "bn forward")
        expectClose(dx, expectedDx, "bn dx")
    }

    /// The evaluation epilogue (BatchNorm and ReLU applied as the convolution writes) against the three
    /// layers run one after another.
    @Test(arguments: [true, false])
    func fusedEvaluationMatchesSeparateLayers(rectify: Bool) {
        var layout = ParameterLayout()
        let conv = Conv1D(name: "c", inChannels: 3, outChannels: 4, kernelSize: 5, stride: 2, padding: 2, bias: true,
                          layout: &layout, workspace: Workspace())
        let norm = BatchNorm1D(name: "b", channels: 4, layout: &layout)
        let store = randomStore(layout, seed: 31)
        for i in 0..<store.buffers.count { store.buffers[i] = abs(store.buffers[i]) + 0.1 }
        let x = randomTensor([3, 29, 3], seed: 32)
        let separate = norm.forward(conv.forward(x, store), store, training: false)
        if rectify { ReLU.forward(inPlace: separate) }
        let expected = separate.array
        let fused = conv.forward(x, store, epilogue: norm.evaluationEpilogue(store, rectify: rectify)).array
        expectClose(fused, expected, "fused conv + BN\(rectify ? " + ReLU" : "")")
    }

    /// Training BatchNorm with the fused ReLU against BatchNorm then ReLU, forward and backward.
    @Test func fusedTrainingReLUMatchesSeparateLayers() {
        func run(fused: Bool) -> [Float] {
            var layout = ParameterLayout()
            let norm = BatchNorm1D(name: "b", channels: 3, layout: &layout)
            let store = randomStore(layout, seed: 33)
            let x = randomTensor([2, 41, 3], seed: 34)
            let y = norm.forward(x, store, training: true, rectify: fused)
            if !fused { ReLU.forward(inPlace: y) }
            let output = y.array
            let dy = randomTensor(x.shape, seed: 35)
            if !fused { ReLU.backward(inPlace: dy, output: y) }
            return output + norm.backward(dy, store).array + Array(store.gradients)
        }
        #expect(run(fused: true) == run(fused: false))
    }

    /// Training BatchNorm with the residual sum and ReLU in its pass (a BasicBlock's second) against BatchNorm then
    /// `Elementwise.addAndRectify`, forward and backward: the same bits, and the upstream gradient is left masked by
    /// the ReLU, as the shortcut's gradient, in both. Batch one, one channel and odd lengths included.
    @Test(arguments: [(1, 1, 1), (2, 41, 3), (3, 37, 19), (1, 129, 64)])
    func fusedResidualAndReLUMatchSeparateLayers(_ shape: (batch: Int, length: Int, channels: Int)) {
        func run(fused: Bool) -> [Float] {
            var layout = ParameterLayout()
            let norm = BatchNorm1D(name: "b", channels: shape.channels, layout: &layout)
            let store = randomStore(layout, seed: 43)
            let x = randomTensor([shape.batch, shape.length, shape.channels], seed: 44)
            let shortcut = randomTensor(x.shape, seed: 45)
            let y = fused ? norm.forward(x, store, training: true, rectify: true, adding: shortcut)
                : norm.forward(x, store, training: true)
            if !fused { Elementwise.addAndRectify(shortcut, into: y) }
            let output = y.array
            let dy = randomTensor(x.shape, seed: 46)
            if !fused { Elementwise.addAndRectifyBackward(inPlace: dy, output: y) }
            let dx = norm.backward(dy, store).array
            return output + dx + dy.array + Array(store.gradients)
        }
        #expect(run(fused: true) == run(fused: false))
    }

    /// Training BatchNorm with its ReLU and dropout's mask in one pass (a BasicBlock's first) against BatchNorm+ReLU
    /// then `Dropout`: the same output bits (the same mask), and the same input and parameter gradients (where dropout
    /// dropped a positive output, the separate layers pass −0 for a negative gradient and the fused pass +0; `==`
    /// treats them alike, and nothing downstream can tell them apart but a division).
    @Test(arguments: [(1, 1, 1), (2, 41, 3), (3, 37, 19), (1, 129, 64)])
    func fusedDropoutMatchesSeparateLayers(_ shape: (batch: Int, length: Int, channels: Int)) {
        func run(fused: Bool) -> [Float] {
            var layout = ParameterLayout()
            let norm = BatchNorm1D(name: "b", channels: shape.channels, layout: &layout)
            let dropout = Dropout(probability: 0.3)
            let store = randomStore(layout, seed: 47)
            let x = randomTensor([shape.batch, shape.length, shape.channels], seed: 48)
            let y = fused ? norm.forward(x, store, training: true, rectify: true, dropout: (0.3, 777))
                : dropout.forward(norm.forward(x, store, training: true, rectify: true), training: true, key: 777)
            let output = y.array
            let dy = randomTensor(x.shape, seed: 49)
            let dx = norm.backward(fused ? dy : dropout.backward(dy), store).array
            return output + dx + Array(store.gradients)
        }
        let (fused, separate) = (run(fused: true), run(fused: false))
        #expect(fused == separate)
        let count = shape.batch * shape.length * shape.channels
        if count > 20 { #expect(fused[0..<count].contains(0) && fused[0..<count].contains { $0 > 0 }, "the mask drops some and keeps some") }
    }

    /// BatchNorm's backward written over its upstream gradient gives the same bits as into its own buffer.
    @Test(arguments: [true, false])
    func inPlaceBatchNormalisationBackwardMatches(rectify: Bool) {
        func run(inPlace: Bool) -> [Float] {
            var layout = ParameterLayout()
            let norm = BatchNorm1D(name: "b", channels: 19, layout: &layout)
            let store = randomStore(layout, seed: 36)
            let x = randomTensor([3, 27, 19], seed: 37)
            _ = norm.forward(x, store, training: true, rectify: rectify)
            let dy = randomTensor(x.shape, seed: 38)
            let dx = norm.backward(dy, store, inPlace: inPlace)
            #expect((dx.base == dy.base) == inPlace)
            return dx.array + Array(store.gradients)
        }
        #expect(run(inPlace: true) == run(inPlace: false))
    }

    @Test func linearMatchesPlainLoops() {
        var layout = ParameterLayout()
        let linear = Linear(name: "fc", inFeatures: 7, outFeatures: 3, layout: &layout)
        let store = randomStore(layout, seed: 27)
        let x = randomTensor([1, 7], seed: 28)
        let y = linear.forward(x, store).array
        let w = store.value(linear.weight), b = store.value(linear.bias)
        let expected = (0..<3).map { o in Float((0..<7).reduce(Double(b[o])) { $0 + Double(w[o * 7 + $1]) * Double(x.base[$1]) }) }
        expectClose(y, expected, "linear forward")
    }

    /// oneDNN's jit 1x1 backward-weights kernels (`jit_1x1:…`, `jit_bf16_1x1:…`) write past their scratchpad for a
    /// strided channels-last source whose input channels are not a multiple of 16: with 2 threads and an odd batch,
    /// up to 896 bytes past it for ResNet's 8-channel stride-2 downsample, which corrupted the heap (AddressSanitizer
    /// and a watchpoint caught the write). Such a convolution must run another backward-weights implementation, in
    /// both precisions and at every team size.
    @Test(arguments: [1, 2]) func stridedOneByOneConvolutionAvoidsTheOverflowingKernel(threads: Int) {
        Parallel.withThreads(threads) {
            for precision in ComputePrecision.allCases {
                for inChannels in [6, 8, 24] {
                    var layout = ParameterLayout()
                    let conv = Conv1D(name: "down", inChannels: inChannels, outChannels: 16, kernelSize: 1, stride: 2,
                                      layout: &layout, workspace: Workspace())
                    conv.precision = precision
                    let names = conv.trainingImplementations(batch: 3, length: 100)
                    let what = "\(precision), \(inChannels) channels, \(threads) thread(s): \(names)"
                    #expect(names.count == 3 && names.allSatisfy { !$0.isEmpty }, "\(what)")
                    #expect(!(names[2].hasPrefix("jit") && names[2].contains("1x1:")), "\(what)")
                }
            }
        }
    }

    /// oneDNN splits convolutions over threads by output position, and our loops split rows (BatchNorm's
    /// sums run over fixed blocks), so outputs and input gradients do not depend on the thread count, bit for
    /// bit. Weight gradients are reduced across threads, so their rounding may differ in the last bits:
    /// checked to 1e-5.
    @Test func threadCountDoesNotChangeResults() {
        func run() -> (outputs: [Float], weightGradients: [Float]) {
            var layout = ParameterLayout()
            let workspace = Workspace()
            let conv = Conv1D(name: "c", inChannels: 3, outChannels: 8, kernelSize: 7, stride: 2, padding: 3, layout: &layout, workspace: workspace)
            let norm = BatchNorm1D(name: "b", channels: 8, layout: &layout)
            let pool = MaxPool1D(kernelSize: 3, stride: 2, padding: 1)
            let store = randomStore(layout, seed: 29)
            let x = randomTensor([5, 301, 3], seed: 30)
            let y = norm.forward(conv.forward(x, store), store, training: true)
            ReLU.forward(inPlace: y)
            let pooled = pool.forward(y)
            let dx = conv.backward(norm.backward(pool.backward(pooled), store), store)
            return (pooled.array + dx.array, Array(store.gradients))
        }
        let single = Parallel.withThreads(1) { run() }
        let threaded = Parallel.withThreads(3) { run() }
        #expect(threaded.outputs == single.outputs, "outputs and input gradients differ between 1 and 3 threads")
        expectClose(threaded.weightGradients, single.weightGradients, "weight gradients, 3 vs 1 threads")
    }
}

/// `|a − b| ≤ 1e-5·max|b| + 1e-5·|b|`: Float32 sums against Float64 ones, a few ulps of the largest term.
func expectClose(_ actual: [Float], _ expected: [Float], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) vs \(expected.count) values", sourceLocation: sourceLocation)
    let scale = expected.map(abs).max() ?? 0
    let worst = zip(actual, expected).map { abs($0 - $1) - 1e-5 * abs($1) }.max() ?? 0
    #expect(worst <= 1e-5 * scale, "\(what): differs by \(worst) at scale \(scale)", sourceLocation: sourceLocation)
}
