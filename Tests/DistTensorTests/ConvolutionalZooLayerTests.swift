import DistTensor
import Foundation
import Testing

/// The layers of the convolutional half of the model zoo (issue 12) under the layer contract: adaptive average
/// pooling, squeeze-and-excitation, flatten and concatenation, each against finite differences with `GradientCheck`
/// (input gradient, every parameter gradient, accumulation) and against values worked out by hand or by PyTorch.
@Suite struct ConvolutionalZooLayerTests {
    func expectPassed(_ results: [GradientCheck.Result], count: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(results.count == count, "\(results)", sourceLocation: sourceLocation)
        for result in results { #expect(result.passed, "\(result)", sourceLocation: sourceLocation) }
    }

    /// PyTorch's bins: `AdaptiveAvgPool1d(3)` on 7 positions averages 0..<3, 2..<5 and 4..<7 (overlapping), and its
    /// gradient sums where bins overlap.
    @Test func adaptiveAveragePoolUsesPyTorchsBins() {
        let pool = AdaptiveAveragePool1D(outputSize: 3)
        let x = Tensor(shape: [1, 7, 1], values: [1, 2, 3, 4, 5, 6, 7])
        #expect(pool.forward(x).array == [2, 4, 6])
        let dx = pool.backward(Tensor(shape: [1, 3, 1], values: [3, 30, 300])).array
        #expect(dx == [1, 1, 11, 10, 110, 100, 100])
        // Divisible lengths: plain non-overlapping means; channels stay separate.
        let two = AdaptiveAveragePool1D(outputSize: 2)
        #expect(two.forward(Tensor(shape: [1, 4, 2], values: [1, 10, 3, 30, 5, 50, 7, 70])).array == [2, 20, 6, 60])
    }

    @Test func layersFollowTheContract() {
        for (bins, length) in [(1, 9), (3, 7), (4, 8)] {
            let pool = AdaptiveAveragePool1D(outputSize: bins)
            let x = randomTensor([2, length, 3], seed: UInt64(60 + bins))
            expectPassed(GradientCheck(outputCount: 2 * bins * 3).checkLayer(
                "adaptive pool \(bins)", input: x, forward: { pool.forward(x) }, backward: { pool.backward($0) }), count: 1)
        }
        for length in [1, 5] {
            let flatten = Flatten()
            let x = randomTensor([2, length, 3], seed: 70)
            expectPassed(GradientCheck(outputCount: x.count).checkLayer(
                "flatten L=\(length)", input: x, forward: { Tensor(shape: [2, 3 * length], values: flatten.forward(x).array) },
                backward: { Tensor(shape: x.shape, values: flatten.backward($0).array) }), count: 1)
        }
        let a = randomTensor([3, 2], seed: 71)
        let b = randomTensor([3, 4], seed: 72)
        let join = Concatenation()
        for (index, part) in [a, b].enumerated() {
            expectPassed(GradientCheck(outputCount: 18).checkLayer(
                "concatenation part \(index)", input: part, forward: { join.forward([a, b]) },
                backward: { join.backward($0)[index] }), count: 1)
        }

        var layout = ParameterLayout()
        let gate = SqueezeExcitation1D(name: "se", channels: 32, reduction: 8, layout: &layout)
        #expect(gate.hidden == 4 && layout.entries.map(\.name) == ["se.fc1.weight", "se.fc1.bias", "se.fc2.weight", "se.fc2.bias"])
        let store = randomStore(layout, seed: 73)
        let x = randomTensor([2, 6, 32], seed: 74)
        expectPassed(GradientCheck(outputCount: x.count).checkLayer(
            "squeeze-excitation", input: x, store: store,
            parameters: [("fc1.w", gate.fc1.weight), ("fc1.b", gate.fc1.bias), ("fc2.w", gate.fc2.weight), ("fc2.b", gate.fc2.bias)],
            step: 1e-3, forward: { gate.forward(x, store, training: true) }, backward: { gate.backward($0, store) }), count: 9)
    }

    /// Flatten gives PyTorch's `[N, C·L]` order of a channels-last tensor; concatenation joins rows part after part;
    /// the gate of squeeze-and-excitation is σ(fc2(relu(fc1(mean)))) per sample and channel, computed here by hand.
    @Test func layersComputeWhatTheySay() {
        let x = Tensor(shape: [1, 2, 3], values: [1, 2, 3, 4, 5, 6])  // [N, L, C]: t0 = (1, 2, 3), t1 = (4, 5, 6)
        #expect(Flatten().forward(x).array == [1, 4, 2, 5, 3, 6])
        let join = Concatenation().forward([Tensor(shape: [2, 1], values: [1, 2]), Tensor(shape: [2, 2], values: [3, 4, 5, 6])])
        #expect(join.shape == [2, 3] && join.array == [1, 3, 4, 2, 5, 6])

        var layout = ParameterLayout()
        let gate = SqueezeExcitation1D(name: "se", channels: 2, reduction: 16, layout: &layout)
        #expect(gate.hidden == 1)
        let store = ParameterStore(layout: layout, seed: 0)
        for (slot, values) in [(gate.fc1.weight, [1, -1]), (gate.fc1.bias, [0.5]), (gate.fc2.weight, [2, -3]), (gate.fc2.bias, [0, 1])]
            as [(ParameterSlot, [Float])] {
            for (i, v) in values.enumerated() { store.value(slot)[i] = v }
        }
        let input = Tensor(shape: [1, 2, 2], values: [3, 1, 1, -1])  // channel means 2 and 0
        let hidden = max(0, 2 * 1 - 0 * 1 + 0.5)  // 2.5
        let e = [1 / (1 + exp(-(2 * hidden))), 1 / (1 + exp(-(-3 * hidden + 1)))]
        let y = gate.forward(input, store, training: false).array
        let expected = [3 * e[0], 1 * e[1], 1 * e[0], -1 * e[1]]
        for (ours, theirs) in zip(y, expected) { #expect(abs(Double(ours) - theirs) < 1e-6, "\(y) vs \(expected)") }
    }
}
