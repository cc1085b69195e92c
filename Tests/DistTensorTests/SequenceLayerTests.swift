import DistTensor
import Testing

/// GRU, LSTM and multi-head attention under the layer contract: finite differences (with dropout on, since the
/// masks are pure functions of the key), the GEMM paths against their plain-loop references, and results that do
/// not depend on the thread count.
@Suite struct SequenceLayerTests {
    func expectPassed(_ results: [GradientCheck.Result], count: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(results.count == count, "\(results)", sourceLocation: sourceLocation)
        for result in results { #expect(result.passed, "\(result)", sourceLocation: sourceLocation) }
    }

    /// Small weights keep the gates away from saturation, where finite differences of Float32 lose their digits.
    func scaledStore(_ layout: ParameterLayout, seed: UInt64, scale: Float) -> ParameterStore {
        let store = randomStore(layout, seed: seed)
        for i in 0..<store.values.count { store.values[i] *= scale }
        return store
    }

    @Test(arguments: [Recurrent.Cell.gru, .lstm], [Float(0), 0.3])
    func recurrentLayersFollowTheContract(_ cell: Recurrent.Cell, dropout: Float) {
        var layout = ParameterLayout()
        let layer = Recurrent(name: "rnn", cell: cell, inputSize: 3, hiddenSize: 4, layers: 2, dropout: dropout, layout: &layout)
        let store = scaledStore(layout, seed: 51, scale: 0.6)
        let x = randomTensor([2, 5, 3], seed: 52)
        let parameters = layer.slots.enumerated().flatMap { l, slot in
            [("w_ih\(l)", slot.weightIH), ("w_hh\(l)", slot.weightHH), ("b_ih\(l)", slot.biasIH), ("b_hh\(l)", slot.biasHH)]
        }
        expectPassed(GradientCheck(outputCount: 2 * 5 * 4).checkLayer(
            "\(cell) dropout \(dropout)", input: x, store: store, parameters: parameters.map { (name: $0.0, slot: $0.1) },
            step: 1e-2, forward: { layer.forward(x, store, training: true, dropoutKey: 9) },
            backward: { layer.backward($0, store) }), count: 1 + 2 * parameters.count)
    }

    @Test(arguments: [Float(0), 0.25])
    func attentionFollowsTheContract(dropout: Float) {
        var layout = ParameterLayout()
        let layer = MultiheadAttention(name: "attention", embedding: 6, heads: 3, dropout: dropout, layout: &layout)
        let store = scaledStore(layout, seed: 53, scale: 0.5)
        let x = randomTensor([2, 5, 6], seed: 54)
        let parameters = [("w_in", layer.inProjectionWeight), ("b_in", layer.inProjectionBias),
                          ("w_out", layer.outProjectionWeight), ("b_out", layer.outProjectionBias)]
        expectPassed(GradientCheck(outputCount: x.count).checkLayer(
            "attention dropout \(dropout)", input: x, store: store, parameters: parameters.map { (name: $0.0, slot: $0.1) },
            forward: { layer.forward(x, store, training: true, dropoutKey: 5) },
            backward: { layer.backward($0, store) }), count: 9)
    }

    @Test func layerNormGELUAndLeakyReLUFollowTheContract() {
        var layout = ParameterLayout()
        let norm = LayerNorm(name: "norm", channels: 6, layout: &layout)
        let store = randomStore(layout, seed: 62)
        let x = randomTensor([2, 5, 6], seed: 63)
        expectPassed(GradientCheck(outputCount: x.count).checkLayer(
            "layer norm", input: x, store: store, parameters: [("γ", norm.weight), ("β", norm.bias)], step: 1e-3,
            forward: { norm.forward(x, store) }, backward: { norm.backward($0, store) }), count: 5)
        let check = GradientCheck(outputCount: x.count)
        expectPassed(check.checkLayer("gelu", input: x, forward: { Elementwise.gelu(x) },
                                      backward: { Elementwise.geluBackward($0, input: x) }), count: 1)
        // Away from the kink at 0.
        for i in 0..<x.count where abs(x.base[i]) < 0.05 { x.base[i] += 0.2 }
        expectPassed(check.checkLayer("leaky relu", input: x, forward: { Elementwise.leakyReLU(x) },
                                      backward: { Elementwise.leakyReLUBackward($0, input: x) }), count: 1)
        // Values: PyTorch's F.gelu (erf form) and F.leaky_relu(0.01), and a normalised row.
        let points = Tensor(shape: [4], values: [-2, -0.5, 0.5, 3])
        expectClose(Elementwise.gelu(points).array, [-0.045500263, -0.15426877, 0.34573123, 2.9959502], "gelu")
        #expect(Elementwise.leakyReLU(points).array == [-0.02, -0.005, 0.5, 3])
        var unit = ParameterLayout()
        let plain = LayerNorm(name: "n", channels: 4, layout: &unit)
        expectClose(plain.forward(Tensor(shape: [1, 4], values: [1, 2, 3, 4]), ParameterStore(layout: unit, seed: 0)).array,
                    [-1.3416355, -0.44721183, 0.44721183, 1.3416355], "layer norm of 1, 2, 3, 4")
    }

    /// The batched GEMM path against `RecurrentReference` on odd sizes, one layer at a time: the first layer's
    /// output is the reference on the input, the second's the reference on the first's.
    @Test(arguments: [Recurrent.Cell.gru, .lstm])
    func recurrentGEMMPathMatchesPlainLoops(_ cell: Recurrent.Cell) {
        let (batch, steps, inputs, hidden) = (3, 17, 7, 9)
        var layout = ParameterLayout()
        let layer = Recurrent(name: "rnn", cell: cell, inputSize: inputs, hiddenSize: hidden, layers: 2, dropout: 0, layout: &layout)
        let store = scaledStore(layout, seed: 55, scale: 0.5)
        let x = randomTensor([batch, steps, inputs], seed: 56)
        let y = layer.forward(x, store, training: false).array
        func values(_ slot: ParameterSlot) -> [Float] { Array(UnsafeBufferPointer(start: store.value(slot), count: slot.count)) }
        var expected = x.array
        for (l, slot) in layer.slots.enumerated() {
            expected = RecurrentReference.forward(cell: cell, x: expected, batch: batch, steps: steps,
                                                  inputs: l == 0 ? inputs : hidden, hidden: hidden,
                                                  weightIH: values(slot.weightIH), weightHH: values(slot.weightHH),
                                                  biasIH: values(slot.biasIH), biasHH: values(slot.biasHH))
        }
        expectClose(y, expected, "\(cell) GEMM path vs plain loops")
    }

    @Test func attentionGEMMPathMatchesPlainLoops() {
        let (batch, steps, embedding, heads) = (2, 13, 12, 4)
        var layout = ParameterLayout()
        let layer = MultiheadAttention(name: "attention", embedding: embedding, heads: heads, dropout: 0.5, layout: &layout)
        let store = randomStore(layout, seed: 57)
        let x = randomTensor([batch, steps, embedding], seed: 58)
        func values(_ slot: ParameterSlot) -> [Float] { Array(UnsafeBufferPointer(start: store.value(slot), count: slot.count)) }
        let expected = AttentionReference.forward(x: x.array, batch: batch, steps: steps, embedding: embedding, heads: heads,
                                                  inWeight: values(layer.inProjectionWeight), inBias: values(layer.inProjectionBias),
                                                  outWeight: values(layer.outProjectionWeight), outBias: values(layer.outProjectionBias))
        // Evaluation: no dropout, whatever the probability.
        expectClose(layer.forward(x, store, training: false).array, expected, "attention GEMM path vs plain loops")
        // Training with dropout differs from it, and a second forward with the same key repeats the first.
        let dropped = layer.forward(x, store, training: true, dropoutKey: 3).array
        #expect(dropped != expected)
        #expect(layer.forward(x, store, training: true, dropoutKey: 3).array == dropped)
    }

    /// Threads take fixed blocks of samples (and of weight-gradient rows): outputs, input gradients and weight
    /// gradients are the same bits on 1 and 3 threads, with a batch of several blocks.
    @Test func sequenceLayersDoNotDependOnTheThreadCount() {
        var layout = ParameterLayout()
        let gru = Recurrent(name: "gru", cell: .gru, inputSize: 5, hiddenSize: 8, layers: 2, dropout: 0.2, layout: &layout)
        let lstm = Recurrent(name: "lstm", cell: .lstm, inputSize: 8, hiddenSize: 8, layers: 1, dropout: 0, layout: &layout)
        let attention = MultiheadAttention(name: "attention", embedding: 8, heads: 2, dropout: 0.1, layout: &layout)
        let store = scaledStore(layout, seed: 59, scale: 0.5)
        let x = randomTensor([19, 11, 5], seed: 60)
        func run() -> (outputs: [Float], weightGradients: [Float]) {
            store.zeroGradients()
            let y = attention.forward(lstm.forward(gru.forward(x, store, training: true, dropoutKey: 1), store, training: true),
                                      store, training: true, dropoutKey: 2)
            let dx = gru.backward(lstm.backward(attention.backward(randomTensor(y.shape, seed: 61), store), store), store)
            return (y.array + dx.array, Array(store.gradients))
        }
        let single = Parallel.withThreads(1) { run() }
        let threaded = Parallel.withThreads(3) { run() }
        #expect(threaded.outputs == single.outputs, "outputs and input gradients differ between 1 and 3 threads")
        #expect(threaded.weightGradients == single.weightGradients, "weight gradients differ between 1 and 3 threads")
    }
}
