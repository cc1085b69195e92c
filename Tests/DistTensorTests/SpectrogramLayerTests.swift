import DistTensor
import Foundation
import Testing

/// The layers of the spectrogram networks (`stft-cnn-gru`, `stft-cnn-lstm`) under the layer contract: the oneDNN 2-D
/// convolution and the GEMM spectrogram against their plain-loop references, and every backward (convolution, max
/// pooling, spectrogram) against finite differences. Their PyTorch traces are in `PyTorchZooTests`.
@Suite struct SpectrogramLayerTests {
    func expectClose(_ ours: [Float], _ reference: [Float], relative: Double, _ what: String,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(ours.count == reference.count, "\(what): \(ours.count) values, reference \(reference.count)", sourceLocation: sourceLocation)
        let scale = reference.map { abs(Double($0)) }.max() ?? 0
        let worst = zip(ours, reference).map { abs(Double($0) - Double($1)) }.max() ?? .infinity
        #expect(scale > 0 && worst <= relative * scale, "\(what): off by \(worst) at scale \(scale)", sourceLocation: sourceLocation)
    }

    /// oneDNN's 2-D convolution (forward, input, weight and bias gradients) against `Conv2DReference`, with and
    /// without padding and stride, in float32 (within 1e-5 of the largest value) and bfloat16 (within 2e-2: its inputs,
    /// weights and upstream gradients are rounded to 8-bit significands).
    @Test(arguments: [(3, 1, 1), (3, 2, 0), (1, 1, 0)])
    func convolutionMatchesPlainLoops(_ kernel: Int, _ stride: Int, _ padding: Int) {
        for precision in ComputePrecision.allCases {
            var layout = ParameterLayout()
            let conv = Conv2D(name: "conv", inChannels: 5, outChannels: 16, kernelSize: kernel, stride: stride, padding: padding,
                              layout: &layout)
            conv.precision = precision
            let store = randomStore(layout, seed: 81)
            let x = randomTensor([3, 9, 11, 5], seed: 82)
            let shape = Conv2DReference.Shape(batch: 3, inChannels: 5, height: 9, width: 11, outChannels: 16, kernel: kernel,
                                              stride: stride, padding: padding)
            let w = Array(UnsafeBufferPointer(start: store.value(conv.weight), count: conv.weight.count))
            let b = Array(UnsafeBufferPointer(start: store.value(conv.bias!), count: 16))
            let y = conv.forward(x, store)
            let tolerance = precision == .float32 ? 1e-5 : 2e-2
            expectClose(y.array, Conv2DReference.forward(x: x.array, w: w, b: b, shape), relative: tolerance, "\(precision) forward")
            let dy = randomTensor(y.shape, seed: 83)
            store.zeroGradients()
            let dx = conv.backward(dy, store)
            let expected = Conv2DReference.backward(x: x.array, w: w, dy: dy.array, shape)
            expectClose(dx.array, expected.dx, relative: tolerance, "\(precision) dx")
            expectClose(Array(UnsafeBufferPointer(start: store.gradient(conv.weight), count: conv.weight.count)), expected.dw,
                        relative: tolerance, "\(precision) dw")
            // In bfloat16 the bias gradient too sums the bfloat16-rounded upstream gradient (measured 2e-3 of its scale).
            expectClose(Array(UnsafeBufferPointer(start: store.gradient(conv.bias!), count: 16)), expected.db,
                        relative: tolerance, "\(precision) db")
        }
    }

    /// The GEMM spectrogram against the Float64 loops at the networks' n_fft 256, hop 128, on two leads of 1,000 samples,
    /// with and without log1p, and the same bits on 1 and 3 threads.
    @Test func spectrogramMatchesPlainLoops() {
        let x = randomTensor([9, 2, 1000], seed: 84)
        for logarithmic in [true, false] {
            let layer = Spectrogram(nFFT: 256, hop: 128, logarithmic: logarithmic)
            let y = Parallel.withThreads(1) { layer.forward(x).array }
            #expect(layer.frameCount(1000) == 8)
            let reference = SpectrogramReference.forward(x: x.array, batch: 9, leads: 2, length: 1000, nFFT: 256, hop: 128,
                                                         logarithmic: logarithmic)
            expectClose(y, reference, relative: 1e-5, "log1p \(logarithmic)")
            #expect(Parallel.withThreads(3) { layer.forward(x).array } == y, "thread count changed the spectrogram")
        }
    }

    /// Finite differences: the 2-D convolution (input, weights, bias, accumulation), max pooling and the
    /// spectrogram's input gradient (through reflection, overlapping frames, magnitude and log1p).
    @Test func layersFollowTheContract() {
        var layout = ParameterLayout()
        let conv = Conv2D(name: "conv", inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, layout: &layout)
        let store = randomStore(layout, seed: 85)
        let x = randomTensor([2, 5, 4, 2], seed: 86)
        let results = GradientCheck(outputCount: 2 * 5 * 4 * 3).checkLayer(
            "conv2d", input: x, store: store, parameters: [("w", conv.weight), ("b", conv.bias!)], step: 1e-2,
            forward: { conv.forward(x, store) }, backward: { conv.backward($0, store) })
        #expect(results.count == 5)
        for result in results { #expect(result.passed, "\(result)") }

        let pool = MaxPool2D(kernelSize: 2)
        let pooled = randomTensor([2, 5, 7, 3], seed: 87)
        for result in GradientCheck(outputCount: 2 * 2 * 3 * 3).checkLayer(
            "maxpool2d", input: pooled, step: 1e-3, forward: { pool.forward(pooled) }, backward: { pool.backward($0) }) {
            #expect(result.passed, "\(result)")
        }

        for logarithmic in [true, false] {
            let layer = Spectrogram(nFFT: 16, hop: 6, logarithmic: logarithmic)
            let signal = randomTensor([2, 1, 40], seed: 88)
            let results = GradientCheck(outputCount: 2 * 9 * 7).checkLayer(
                "spectrogram log1p \(logarithmic)", input: signal, step: 1e-2, forward: { layer.forward(signal) },
                backward: { layer.backward($0) })
            #expect(results.count == 1)
            for result in results { #expect(result.passed, "\(result)") }
        }
    }

    /// Pooling routes each gradient to the first maximum of its window and drops the odd last row and column, as
    /// PyTorch's `MaxPool2d(2)`.
    @Test func maxPoolingTakesTheFirstMaximum() {
        // [1, 3, 3, 1]: windows of the top-left 2 × 2 only; its maximum 5 appears twice (positions 1 and 3).
        let x = Tensor(shape: [1, 3, 3, 1], values: [1, 5, 9, 5, 2, 9, 9, 9, 9])
        let pool = MaxPool2D(kernelSize: 2)
        #expect(pool.forward(x).array == [5])
        #expect(pool.backward(Tensor(shape: [1, 1, 1, 1], values: [7])).array == [0, 7, 0, 0, 0, 0, 0, 0, 0])
    }
}
