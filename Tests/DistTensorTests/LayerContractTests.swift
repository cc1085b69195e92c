import DistTensor
import Testing

/// The layer contract's harness (`GradientCheck.checkLayer`) on layers and on the elementwise primitives: input and
/// parameter gradients against finite differences, accumulation of parameter gradients, input-gradient shapes; and
/// that the harness fails a backward that breaks the contract.
@Suite struct LayerContractTests {
    func expectPassed(_ results: [GradientCheck.Result], count: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(results.count == count, "\(results)", sourceLocation: sourceLocation)
        for result in results { #expect(result.passed, "\(result)", sourceLocation: sourceLocation) }
    }

    @Test func layersFollowTheContract() {
        var layout = ParameterLayout()
        let conv = Conv1D(name: "conv", inChannels: 3, outChannels: 4, kernelSize: 5, stride: 2, padding: 2, bias: true,
                          layout: &layout, workspace: Workspace())
        let norm = BatchNorm1D(name: "bn", channels: 4, layout: &layout)
        let linear = Linear(name: "fc", inFeatures: 6, outFeatures: 3, layout: &layout)
        let store = randomStore(layout, seed: 41)

        let x = randomTensor([2, 11, 3], seed: 42)  // channels last: [N, L, C]
        let convOutput = conv.forward(x, store)
        expectPassed(GradientCheck(outputCount: convOutput.count).checkLayer(
            "conv", input: x, store: store, parameters: [("w", conv.weight), ("b", conv.bias!)],
            forward: { conv.forward(x, store) }, backward: { conv.backward($0, store) }), count: 5)

        let h = randomTensor([3, 7, 4], seed: 43)  // [N, L, C]
        expectPassed(GradientCheck(outputCount: h.count).checkLayer(
            "bn", input: h, store: store, parameters: [("γ", norm.weight), ("β", norm.bias)], step: 1e-3,
            forward: { norm.forward(h, store, training: true) }, backward: { norm.backward($0, store) }), count: 5)

        let features = randomTensor([5, 6], seed: 44)
        expectPassed(GradientCheck(outputCount: 15).checkLayer(
            "fc", input: features, store: store, parameters: [("w", linear.weight), ("b", linear.bias)],
            forward: { linear.forward(features, store) }, backward: { linear.backward($0, store) }), count: 5)
    }

    @Test func elementwisePrimitivesFollowTheContract() {
        let a = randomTensor([2, 3, 5], seed: 45)
        let b = randomTensor([2, 3, 5], seed: 46)
        let check = GradientCheck(outputCount: a.count)
        expectPassed(check.checkLayer("sigmoid", input: a, forward: { Elementwise.sigmoid(a) },
                                      backward: { Elementwise.sigmoidBackward($0, output: Elementwise.sigmoid(a)) }), count: 1)
        expectPassed(check.checkLayer("tanh", input: a, forward: { Elementwise.tanh(a) },
                                      backward: { Elementwise.tanhBackward($0, output: Elementwise.tanh(a)) }), count: 1)
        expectPassed(check.checkLayer("multiply (a)", input: a, forward: { Elementwise.multiply(a, b) },
                                      backward: { Elementwise.multiplyBackward($0, a, b).da }), count: 1)
        expectPassed(check.checkLayer("multiply (b)", input: b, forward: { Elementwise.multiply(a, b) },
                                      backward: { Elementwise.multiplyBackward($0, a, b).db }), count: 1)
        expectPassed(check.checkLayer("transpose", input: a, forward: { Elementwise.transposeLastTwo(a) },
                                      backward: { Elementwise.transposeLastTwo($0) }), count: 1)
        // Away from the kink: the residual sum stays at least 0.1 from zero.
        for i in 0..<a.count where abs(a.base[i] + b.base[i]) < 0.1 { a.base[i] += 0.3 }
        let sum = { () -> Tensor in
            let y = Tensor(shape: b.shape, values: b.array)
            Elementwise.addAndRectify(a, into: y)
            return y
        }
        expectPassed(check.checkLayer("add+relu", input: a, forward: sum, backward: { dy in
            Elementwise.addAndRectifyBackward(inPlace: dy, output: sum())
            return dy
        }), count: 1)
    }

    @Test func primitivesComputeWhatTheySay() {
        let x = Tensor(shape: [1, 2, 3], values: [1, 2, 3, 4, 5, 6])
        #expect(Elementwise.transposeLastTwo(x).shape == [1, 3, 2])
        #expect(Elementwise.transposeLastTwo(x).array == [1, 4, 2, 5, 3, 6])
        let y = Tensor(shape: [1, 2, 3], values: [-2, 0, 1, -5, 1, 0])
        Elementwise.addAndRectify(x, into: y)
        #expect(y.array == [0, 2, 4, 0, 6, 6])
        Elementwise.add(x, into: y)
        #expect(y.array == [1, 4, 7, 4, 11, 12])
        #expect(Elementwise.multiply(x, x).array == [1, 4, 9, 16, 25, 36])
        #expect(Elementwise.sigmoid(Tensor(shape: [1], values: [0])).array == [0.5])
    }

    /// The harness is not a rubber stamp: a wrong derivative, an input gradient of the wrong shape and a backward
    /// that overwrites (`=`) parameter gradients instead of accumulating them each fail.
    @Test func theHarnessCatchesBrokenBackwards() {
        let a = randomTensor([2, 4], seed: 47)
        let check = GradientCheck(outputCount: a.count)
        let wrong = check.checkLayer("sigmoid off by 2", input: a, forward: { Elementwise.sigmoid(a) }, backward: { dy in
            let dx = Elementwise.sigmoidBackward(dy, output: Elementwise.sigmoid(a))
            for i in 0..<dx.count { dx.base[i] *= 2 }
            return dx
        })
        #expect(wrong.count == 1 && !wrong[0].passed)
        let misshapen = check.checkLayer("flat", input: a, forward: { Elementwise.tanh(a) }, backward: { dy in
            Tensor(shape: [a.count], values: Elementwise.tanhBackward(dy, output: Elementwise.tanh(a)).array)
        })
        #expect(misshapen.count == 1 && !misshapen[0].passed)

        // y = w ⊙ x with a backward that assigns dL/dw instead of adding it.
        var layout = ParameterLayout()
        let w = layout.addParameter("w", shape: [8], initializer: .constant(1))
        let store = randomStore(layout, seed: 48)
        let x = randomTensor([8], seed: 49)
        let results = check.checkLayer("scale", input: x, store: store, parameters: [("w", w)], forward: {
            Elementwise.multiply(x, Tensor(shape: [8], values: Array(UnsafeBufferPointer(start: store.value(w), count: 8))))
        }, backward: { dy in
            for i in 0..<8 { store.gradient(w)[i] = dy.base[i] * x.base[i] }
            return Elementwise.multiply(dy, Tensor(shape: [8], values: Array(UnsafeBufferPointer(start: store.value(w), count: 8))))
        })
        #expect(results.count == 3 && results[0].passed && results[1].passed && !results[2].passed, "\(results)")
    }
}
