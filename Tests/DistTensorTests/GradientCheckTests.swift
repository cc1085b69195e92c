import DistTensor
import Foundation
import Testing

/// Every layer's backward against central finite differences of its forward (see `FiniteDifference`), on
/// channels-last `[N, L, C]` activations.
@Suite struct GradientCheckTests {
    @Test(arguments: [
        (batch: 2, inChannels: 3, outChannels: 4, length: 11, kernel: 5, stride: 2, padding: 2, bias: true),
        (batch: 1, inChannels: 1, outChannels: 2, length: 13, kernel: 4, stride: 3, padding: 0, bias: false),
        (batch: 3, inChannels: 2, outChannels: 3, length: 9, kernel: 7, stride: 1, padding: 3, bias: true),
        (batch: 2, inChannels: 4, outChannels: 2, length: 10, kernel: 1, stride: 2, padding: 0, bias: false),
    ])
    func convolution(_ shape: (batch: Int, inChannels: Int, outChannels: Int, length: Int, kernel: Int, stride: Int, padding: Int, bias: Bool)) {
        var layout = ParameterLayout()
        let conv = Conv1D(name: "conv", inChannels: shape.inChannels, outChannels: shape.outChannels, kernelSize: shape.kernel,
                          stride: shape.stride, padding: shape.padding, bias: shape.bias, layout: &layout, workspace: Workspace())
        let store = randomStore(layout, seed: 1)
        let x = randomTensor([shape.batch, shape.length, shape.inChannels], seed: 2)
        let y = conv.forward(x, store)
        let fd = FiniteDifference(outputCount: y.count)
        let dx = conv.backward(Tensor(shape: y.shape, values: fd.upstream), store).array
        let evaluate = { conv.forward(x, store).array }
        fd.check("conv dx", values: x.base, count: x.count, analytic: dx, evaluate: evaluate)
        fd.check("conv dw", values: store.value(conv.weight), count: conv.weight.count,
                 analytic: Array(UnsafeBufferPointer(start: store.gradient(conv.weight), count: conv.weight.count)), evaluate: evaluate)
        if let bias = conv.bias {
            fd.check("conv db", values: store.value(bias), count: bias.count,
                     analytic: Array(UnsafeBufferPointer(start: store.gradient(bias), count: bias.count)), evaluate: evaluate)
        }
    }

    @Test func batchNormalisationInTraining() {
        var layout = ParameterLayout()
        let norm = BatchNorm1D(name: "bn", channels: 4, layout: &layout)
        let store = randomStore(layout, seed: 3)
        let x = randomTensor([3, 7, 4], seed: 4)
        let y = norm.forward(x, store, training: true)
        let fd = FiniteDifference(outputCount: y.count)
        let dx = norm.backward(Tensor(shape: y.shape, values: fd.upstream), store).array
        let evaluate = { norm.forward(x, store, training: true).array }
        fd.check("bn dx", values: x.base, count: x.count, analytic: dx, step: 1e-3, evaluate: evaluate)
        fd.check("bn dγ", values: store.value(norm.weight), count: 4,
                 analytic: Array(UnsafeBufferPointer(start: store.gradient(norm.weight), count: 4)), evaluate: evaluate)
        fd.check("bn dβ", values: store.value(norm.bias), count: 4,
                 analytic: Array(UnsafeBufferPointer(start: store.gradient(norm.bias), count: 4)), evaluate: evaluate)
    }

    @Test func reluAwayFromTheKink() {
        // Inputs kept at least 0.1 from zero so the ±h perturbation never crosses the kink.
        let x = randomTensor([2, 3, 8], seed: 5)
        for i in 0..<x.count where abs(x.base[i]) < 0.1 { x.base[i] = x.base[i] < 0 ? -0.1 : 0.1 }
        let forward = { () -> Tensor in
            let y = Tensor(shape: x.shape, values: x.array)
            ReLU.forward(inPlace: y)
            return y
        }
        let y = forward()
        let fd = FiniteDifference(outputCount: y.count)
        let dy = Tensor(shape: y.shape, values: fd.upstream)
        ReLU.backward(inPlace: dy, output: y)
        fd.check("relu dx", values: x.base, count: x.count, analytic: dy.array, step: 1e-2) { forward().array }
    }

    @Test func maxPoolWithoutTies() {
        let pool = MaxPool1D(kernelSize: 3, stride: 2, padding: 1)
        let x = randomTensor([2, 11, 3], seed: 6)
        let y = pool.forward(x)
        let fd = FiniteDifference(outputCount: y.count)
        let dx = pool.backward(Tensor(shape: y.shape, values: fd.upstream)).array
        // Step 1e-3: random normal neighbours are further apart than 2e-3 with probability > 0.99 per pair.
        fd.check("maxpool dx", values: x.base, count: x.count, analytic: dx, step: 1e-3) { pool.forward(x).array }
    }

    /// At a tie the max is not differentiable; like PyTorch, the whole gradient goes to the first maximum.
    @Test func maxPoolTiesGoToTheFirstMaximum() {
        let pool = MaxPool1D(kernelSize: 3, stride: 2, padding: 1)
        let x = Tensor(shape: [1, 7, 1], values: [2, 2, 2, 1, 5, 5, 0])
        let y = pool.forward(x)
        #expect(y.array == [2, 2, 5, 5])
        let dx = pool.backward(Tensor(shape: y.shape, values: [1, 10, 100, 1000])).array
        // Windows (positions −1…1, 1…3, 3…5, 5…7): [pad,2,2] → 0; [2,2,1] → 1; [1,5,5] → 4; [5,0,pad] → 5.
        // PyTorch 2 (max_pool1d, CPU) gives the same gradient: [1, 10, 0, 0, 100, 1000, 0].
        #expect(dx == [1, 10, 0, 0, 100, 1000, 0])
    }

    @Test func globalAveragePool() {
        let pool = AdaptiveAveragePool1D(outputSize: 1)
        let x = randomTensor([2, 5, 3], seed: 7)
        let y = pool.forward(x)
        let fd = FiniteDifference(outputCount: y.count)
        let dx = pool.backward(Tensor(shape: y.shape, values: fd.upstream)).array
        fd.check("gap dx", values: x.base, count: x.count, analytic: dx) { pool.forward(x).array }
    }

    @Test func linear() {
        var layout = ParameterLayout()
        let linear = Linear(name: "fc", inFeatures: 5, outFeatures: 3, layout: &layout)
        let store = randomStore(layout, seed: 8)
        let x = randomTensor([4, 5], seed: 9)
        let y = linear.forward(x, store)
        let fd = FiniteDifference(outputCount: y.count)
        let dx = linear.backward(Tensor(shape: y.shape, values: fd.upstream), store).array
        let evaluate = { linear.forward(x, store).array }
        fd.check("linear dx", values: x.base, count: x.count, analytic: dx, evaluate: evaluate)
        fd.check("linear dW", values: store.value(linear.weight), count: 15,
                 analytic: Array(UnsafeBufferPointer(start: store.gradient(linear.weight), count: 15)), evaluate: evaluate)
        fd.check("linear db", values: store.value(linear.bias), count: 3,
                 analytic: Array(UnsafeBufferPointer(start: store.gradient(linear.bias), count: 3)), evaluate: evaluate)
    }

    @Test func dropoutWithAFixedMask() {
        let dropout = Dropout(probability: 0.3)
        let x = randomTensor([2, 3, 16], seed: 10)
        let forward = { dropout.forward(x, training: true, key: 1234).array }
        let y = forward()
        let dropped = y.filter { $0 == 0 }.count
        #expect(dropped > 0 && dropped < y.count, "mask drops some but not all of \(y.count)")
        let fd = FiniteDifference(outputCount: y.count)
        let dx = dropout.backward(Tensor(shape: x.shape, values: fd.upstream)).array
        fd.check("dropout dx", values: x.base, count: x.count, analytic: dx, evaluate: forward)
        #expect(dropout.forward(x, training: false, key: 1234).array == x.array, "evaluation is the identity")
    }

    @Test(arguments: [false, true])
    func binaryCrossEntropyWithLogits(positiveWeights: Bool) {
        let logits = randomTensor([3, 4], seed: 11)
        for i in 0..<logits.count { logits.base[i] *= 3 }
        let targets = Tensor(shape: [3, 4], values: [1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 1])
        let weights: [Float]? = positiveWeights ? [0.5, 2, 3, 1] : nil
        let (_, gradient) = BCEWithLogits.lossAndGradient(logits: logits, targets: targets, positiveWeight: weights)
        let fd = FiniteDifference(outputCount: 1)
        // L = r₀ · loss, so dL/dlogits = r₀ · gradient.
        let analytic = gradient.array.map { $0 * fd.upstream[0] }
        fd.check("bce dlogits", values: logits.base, count: logits.count, analytic: analytic, step: 1e-2) {
            [Float(BCEWithLogits.lossAndGradient(logits: logits, targets: targets, positiveWeight: weights).loss)]
        }
    }

    /// The loss itself against the textbook definition −[w·y·log σ(x) + (1−y)·log(1−σ(x))], in Float64.
    @Test func binaryCrossEntropyValue() {
        let logits = Tensor(shape: [1, 3], values: [-2, 0.5, 30])
        let targets = Tensor(shape: [1, 3], values: [1, 0, 1])
        let weights: [Float] = [2, 1, 0.5]
        let (loss, _) = BCEWithLogits.lossAndGradient(logits: logits, targets: targets, positiveWeight: weights)
        func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
        let expected = (-2 * log(sigmoid(-2)) - log(1 - sigmoid(0.5)) - 0.5 * log(sigmoid(30))) / 3
        #expect(abs(loss - expected) <= 1e-12 * expected)
    }
}
